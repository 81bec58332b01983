// What every event source produces and the one interface it hands events to.
//
// Sources (line_source.h, timer_source.h, the lead's webhook server) turn outside input into
// `SourceEvent`s and push them into one `EventSink`; the service drains the sink and writes the
// events to the store (`store::NewEvent`, same fields). A sink applies back-pressure: `Push`
// blocks while it is full, so a fast source slows down instead of growing memory.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>

namespace squall::sources {

// Where an event of a file or stream source ended: what to persist to resume after a restart
// (LineSourceOptions::resume).
struct StreamPosition {
  uint64_t inode = 0;   // the file's inode (0 for pipes and terminals)
  uint64_t offset = 0;  // byte offset just after the event's line: resume reading here
  uint64_t line = 0;    // 1-based number of the event's line (blank lines count)
};

// One event, as the store records it (store::NewEvent plus the stream position).
struct SourceEvent {
  std::string trigger;          // `core.timer`, `disk.low`
  std::string parameters_json;  // trigger instance parameters (compact JSON), "" when none
  std::string payload_json;     // the payload object as JSON text
  std::string source;           // `stdin`, `file:/var/log/a.jsonl`, `timer:core.timer`
  std::string external_id;      // the sender's id (envelope `id`), "" when none
  int64_t received_at_ms = 0;   // wall-clock milliseconds since the Unix epoch
  std::optional<StreamPosition> position;  // set by line sources only

  // Bytes the event holds (its strings and the struct), for queue accounting.
  size_t ByteSize() const {
    return sizeof(SourceEvent) + trigger.size() + parameters_json.size() + payload_json.size() +
           source.size() + external_id.size();
  }
};

// Where sources put their events. Implementations must be thread-safe: every source pushes
// from its own thread.
class EventSink {
 public:
  virtual ~EventSink() = default;

  // Takes `event`. Blocks while the sink is full (back-pressure) until there is room, `stop`
  // is requested (the caller is stopping) or the sink shuts down. True when the event was
  // accepted; false when it was dropped because of `stop` or shutdown: the caller should stop.
  virtual bool Push(SourceEvent event, std::stop_token stop) = 0;
};

}  // namespace squall::sources
