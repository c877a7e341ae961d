#include "storage/store.h"

#include <future>

namespace sampan::storage {
namespace {

Result<KeyValue> SubmitAndWait(Store& store, WriteOp op) {
  std::promise<Result<KeyValue>> promise;
  auto future = promise.get_future();
  store.Submit(std::move(op), [&promise](Result<KeyValue> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace

Result<KeyValue> Store::Create(std::string key, std::string value) {
  return SubmitAndWait(*this, WriteOp{WriteOp::Type::kCreate, std::move(key), std::move(value)});
}

Result<KeyValue> Store::Update(std::string key, std::string value, int64_t expected_revision) {
  return SubmitAndWait(*this, WriteOp{WriteOp::Type::kUpdate, std::move(key), std::move(value),
                                      expected_revision});
}

Result<KeyValue> Store::Delete(std::string key, int64_t expected_revision) {
  return SubmitAndWait(*this,
                       WriteOp{WriteOp::Type::kDelete, std::move(key), "", expected_revision});
}

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;  // "" or all 0xff: no upper bound
}

}  // namespace sampan::storage
