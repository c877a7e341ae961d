#include "pkg/client/informer.h"

#include "pkg/util/log.h"

namespace sampan::client {
namespace {

const log::Logger kLog("client");
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{10000};
constexpr int64_t kListPageSize = 500;

std::string ResourceVersionOf(const api::Json& object) {
  const api::Json* meta = api::Find(object, "metadata");
  return meta ? api::GetString(*meta, "resourceVersion") : std::string();
}

}  // namespace

std::string ObjectKey(const api::Json& object) {
  const api::Json* meta = api::Find(object, "metadata");
  if (meta == nullptr) return "";
  std::string ns = api::GetString(*meta, "namespace");
  std::string name = api::GetString(*meta, "name");
  return ns.empty() ? name : ns + "/" + name;
}

Informer::Informer(Client& client, const api::ResourceInfo& resource, std::string ns,
                   ListOptions selectors, Dispatcher* shared_loop)
    : client_(client),
      resource_(resource),
      ns_(std::move(ns)),
      selectors_(std::move(selectors)),
      own_thread_(shared_loop ? nullptr : std::make_unique<DispatcherThread>("informer")),
      loop_(shared_loop ? *shared_loop : own_thread_->dispatcher()) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(Handlers handlers) {
  loop_.Post([this, h = std::move(handlers)] { handlers_.push_back(h); });
}

void Informer::Start() {
  loop_.Post([this] { Relist(); });
  if (own_thread_) own_thread_->Start();
}

void Informer::Stop() {
  if (stopped_.exchange(true)) return;
  if (own_thread_) own_thread_->Stop();
  watch_.reset();  // the loop is gone: cancel from here; no callback runs after this
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return synced_cv_.wait_for(lock, timeout, [&] { return synced_.load(); });
}

ObjectPtr Informer::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(cache_.size());
  for (const auto& [key, object] : cache_) out.push_back(object);
  return out;
}

std::string Informer::ResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

void Informer::Notify(const std::function<void(const Handlers&)>& call) {
  for (const Handlers& h : handlers_) call(h);
}

void Informer::Retry(std::function<void()> fn) {
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
  loop_.AddTimer(backoff_, [this, fn = std::move(fn)] {
    if (!stopped_) fn();
  });
}

void Informer::Relist() {
  watch_.reset();
  ++watch_generation_;
  std::map<std::string, ObjectPtr> fresh;
  ListOptions options = selectors_;
  options.limit = kListPageSize;
  std::string list_rv;
  do {
    Result<ObjectList> page = client_.List(resource_, ns_, options);
    if (!page.ok()) {
      kLog.Warn("list {}: {}", resource_.resource, page.status().message());
      return Retry([this] { Relist(); });
    }
    for (api::Json& item : page->items) {
      std::string key = ObjectKey(item);
      fresh[key] = std::make_shared<const api::Json>(std::move(item));
    }
    list_rv = page->resource_version;
    options.continue_token = page->continue_token;
  } while (!options.continue_token.empty());

  std::map<std::string, ObjectPtr> previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous.swap(cache_);
    cache_ = fresh;
    resource_version_ = list_rv;
  }
  for (const auto& [key, object] : fresh) {
    auto old = previous.find(key);
    if (old == previous.end()) {
      Notify([&](const Handlers& h) {
        if (h.on_add) h.on_add(object);
      });
    } else if (ResourceVersionOf(*old->second) != ResourceVersionOf(*object)) {
      Notify([&](const Handlers& h) {
        if (h.on_update) h.on_update(old->second, object);
      });
    }
  }
  for (const auto& [key, object] : previous) {
    if (fresh.count(key) == 0) {
      Notify([&](const Handlers& h) {
        if (h.on_delete) h.on_delete(object);
      });
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    synced_ = true;
  }
  synced_cv_.notify_all();
  StartWatch();
}

void Informer::StartWatch() {
  watch_.reset();
  uint64_t generation = ++watch_generation_;
  ListOptions options = selectors_;
  options.resource_version = ResourceVersion();
  options.allow_bookmarks = true;
  Dispatcher& loop = loop_;
  // Callbacks arrive on the transport's thread: hand them to the informer thread.
  Result<std::unique_ptr<StreamHandle>> watch = client_.Watch(
      resource_, ns_, options,
      [this, &loop, generation](WatchEvent event) {
        loop.Post([this, generation, event = std::move(event)]() mutable {
          if (generation == watch_generation_) OnWatchEvent(std::move(event));
        });
      },
      [this, &loop, generation](Status status) {
        loop.Post([this, generation, status] {
          if (generation == watch_generation_) OnWatchEnd(status);
        });
      });
  if (!watch.ok()) {
    kLog.Warn("watch {}: {}", resource_.resource, watch.status().message());
    return Retry([this] { StartWatch(); });
  }
  watch_ = std::move(*watch);
}

void Informer::OnWatchEvent(WatchEvent event) {
  if (event.type == EventType::kError) {
    int64_t code = api::GetInt(event.object, "code");
    kLog.Debug("watch {}: error event {}", resource_.resource, api::Dump(event.object));
    ++watch_generation_;  // ignore the rest of this stream
    if (code == 410) return Relist();
    return Retry([this] { Relist(); });
  }
  backoff_ = std::chrono::milliseconds(0);  // the watch is healthy
  std::string rv = ResourceVersionOf(event.object);
  if (event.type == EventType::kBookmark) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!rv.empty()) resource_version_ = rv;
    return;
  }
  auto object = std::make_shared<const api::Json>(std::move(event.object));
  std::string key = ObjectKey(*object);
  ObjectPtr old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = it->second;
    if (event.type == EventType::kDeleted) {
      cache_.erase(key);
    } else {
      cache_[key] = object;
    }
    if (!rv.empty()) resource_version_ = rv;
  }
  if (event.type == EventType::kDeleted) {
    Notify([&](const Handlers& h) {
      if (h.on_delete) h.on_delete(old ? old : object);
    });
  } else if (old) {
    Notify([&](const Handlers& h) {
      if (h.on_update) h.on_update(old, object);
    });
  } else {
    Notify([&](const Handlers& h) {
      if (h.on_add) h.on_add(object);
    });
  }
}

void Informer::OnWatchEnd(Status status) {
  if (stopped_) return;
  if (status.ok()) return StartWatch();  // the server closed it (timeout): carry on
  if (status.IsGone()) return Relist();
  kLog.Debug("watch {} ended: {}", resource_.resource, status.message());
  Retry([this] { StartWatch(); });
}

}  // namespace sampan::client
