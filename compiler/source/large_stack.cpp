#include "compiler/source/large_stack.h"

#include <pthread.h>

namespace squall::source {

void RunWithLargeStack(const std::function<void()>& work) {
  pthread_attr_t attributes;
  pthread_t thread;
  bool started = false;
  if (pthread_attr_init(&attributes) == 0) {
    if (pthread_attr_setstacksize(&attributes, kLargeStackBytes) == 0) {
      auto trampoline = [](void* argument) -> void* {
        (*static_cast<const std::function<void()>*>(argument))();
        return nullptr;
      };
      started = pthread_create(&thread, &attributes, trampoline,
                               const_cast<std::function<void()>*>(&work)) == 0;
    }
    pthread_attr_destroy(&attributes);
  }
  if (started) {
    pthread_join(thread, nullptr);
  } else {
    work();
  }
}

}  // namespace squall::source
