#include "pkg/util/clock.h"

namespace sampan {

RealClock& RealClock::Get() {
  static RealClock clock;
  return clock;
}

}  // namespace sampan
