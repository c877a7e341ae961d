#include "pkg/controllers/informer_lifecycle.h"

#include <chrono>
#include <vector>

namespace sampan::controllers {

void StartAfterSync(std::initializer_list<client::Informer*> informers, Runner& runner) {
  for (client::Informer* i : informers) i->Start();
  for (client::Informer* i : informers) i->WaitForSync(std::chrono::seconds(30));
  runner.Start();
}

void StopWorkersThenInformers(Runner& runner, std::initializer_list<client::Informer*> informers) {
  runner.Stop();
  std::vector<client::Informer*> started(informers);
  for (auto it = started.rbegin(); it != started.rend(); ++it) (*it)->Stop();
}

}  // namespace sampan::controllers
