#pragma once
// The order a controller with its own informers starts and stops in: the informers start,
// their caches sync (30 s at most each), then the workers run; on stop the workers go
// first, then the informers, last started first. Call from the controller's Start()/Stop().

#include <initializer_list>

#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"

namespace sampan::controllers {

void StartAfterSync(std::initializer_list<client::Informer*> informers, Runner& runner);
void StopWorkersThenInformers(Runner& runner, std::initializer_list<client::Informer*> informers);

}  // namespace sampan::controllers
