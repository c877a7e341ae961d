#pragma once
// The object type of api::Json: nlohmann's ordered_map (fields in insertion order), except
// in how it grows.
//
// ordered_map is a std::vector of pair<const Key, T>. Such a pair has no noexcept move (its
// key can only be copied), so when the vector reallocates it copies every element, value
// and all: each time a parsed object grows past its capacity, all its subtrees are deep
// copied. That was half the time of parsing a stored pod. Here the map grows itself before
// the vector has to: keys are copied, values moved.

#include <nlohmann/json.hpp>

#include <iterator>
#include <utility>

#include "pkg/api/json_fwd.h"

namespace sampan::api {

template <class Key, class T, class IgnoredLess, class Allocator>
struct JsonObjectMap : nlohmann::ordered_map<Key, T, IgnoredLess, Allocator> {
  using Base = nlohmann::ordered_map<Key, T, IgnoredLess, Allocator>;
  using Container = typename Base::Container;
  using typename Base::iterator;
  using typename Base::key_compare;
  using typename Base::key_type;
  using typename Base::value_type;
  using Base::Base;
  using Base::operator[];

  JsonObjectMap() noexcept(noexcept(Base())) : Base() {}

  // The ways basic_json adds a field; each makes room first. The rest is ordered_map's.
  std::pair<iterator, bool> emplace(const key_type& key, T&& t) {
    return EmplaceNew(key, std::move(t));
  }
  template <class KeyType, nlohmann::detail::enable_if_t<
                               nlohmann::detail::is_usable_as_key_type<key_compare, key_type,
                                                                       KeyType>::value,
                               int> = 0>
  std::pair<iterator, bool> emplace(KeyType&& key, T&& t) {
    return EmplaceNew(std::forward<KeyType>(key), std::move(t));
  }
  T& operator[](const key_type& key) { return emplace(key, T{}).first->second; }
  template <class KeyType, nlohmann::detail::enable_if_t<
                               nlohmann::detail::is_usable_as_key_type<key_compare, key_type,
                                                                       KeyType>::value,
                               int> = 0>
  T& operator[](KeyType&& key) {
    return emplace(std::forward<KeyType>(key), T{}).first->second;
  }
  std::pair<iterator, bool> insert(value_type&& value) {
    return EmplaceNew(value.first, std::move(value.second));
  }
  std::pair<iterator, bool> insert(const value_type& value) {
    return EmplaceNew(value.first, T(value.second));
  }
  template <typename InputIt>
  void insert(InputIt first, InputIt last) {
    for (; first != last; ++first) insert(*first);
  }

 private:
  template <class K>
  std::pair<iterator, bool> EmplaceNew(K&& key, T&& t) {
    auto it = this->find(key);
    if (it != this->end()) return {it, false};
    MakeRoom();
    Container::emplace_back(std::forward<K>(key), std::move(t));
    return {std::prev(this->end()), true};
  }

  void MakeRoom() {
    if (this->size() < this->capacity()) return;
    Container bigger;
    bigger.reserve(this->capacity() < 4 ? 4 : 2 * this->capacity());
    for (auto& field : *this) bigger.emplace_back(field.first, std::move(field.second));
    Container::swap(bigger);
  }
};

}  // namespace sampan::api
