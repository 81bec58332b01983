// `squall check --dump=ir`: the matcher IR as text, one matcher per trigger instance, for
// people and golden tests.
//
//   matcher disk.low
//     slot $0 mount : string
//     rule clean_var_log
//       when and(eq($0, "/var/log"), lt($1, 10))
//       index equals $0 "/var/log"; compare $1 lt 10
//       then core.local(cmd: "logrotate -f /etc/logrotate.conf")
#pragma once

#include <string>

#include "compiler/ir/ir.h"

namespace squall::ir {

std::string PrintIr(const Program& program);

// One constant in the printer's notation (`"text"`, `30s`, `[1, 2]`).
std::string ConstantText(const Constant& constant);

}  // namespace squall::ir
