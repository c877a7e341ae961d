#include "pkg/api/protobuf.h"

#include <gtest/gtest.h>

#include <string>

namespace sampan::api {
namespace {

// A minimal protobuf writer for building request bodies as client-go's gogo encoder does.
class Message {
 public:
  Message& Varint(int field, uint64_t value) {
    Key(field, 0);
    Raw(value);
    return *this;
  }
  Message& Bytes(int field, std::string_view value) {
    Key(field, 2);
    Raw(value.size());
    out_.append(value);
    return *this;
  }
  Message& Sub(int field, const Message& m) { return Bytes(field, m.out_); }
  const std::string& str() const { return out_; }

 private:
  void Key(int field, int wire) { Raw(static_cast<uint64_t>(field) << 3 | wire); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

std::string Envelope(std::string_view api_version, std::string_view kind, const Message& raw) {
  Message unknown;
  unknown.Sub(1, Message().Bytes(1, api_version).Bytes(2, kind)).Bytes(2, raw.str());
  return std::string("k8s\0", 4) + unknown.str();
}

TEST(ProtobufTest, DecodesAConfigMapWithGoOmitRules) {
  Message meta;
  meta.Bytes(1, "settings")
      .Bytes(2, "")       // generateName: empty, omitempty -> left out
      .Varint(7, 0)       // generation 0 -> left out
      .Sub(8, Message())  // zero creationTimestamp -> left out
      .Sub(11, Message().Bytes(1, "app").Bytes(2, "web"));
  Message cm;
  cm.Sub(1, meta)
      .Sub(2, Message().Bytes(1, "a").Bytes(2, "1"))
      .Sub(2, Message().Bytes(1, "b").Bytes(2, "2"))
      .Sub(3, Message().Bytes(1, "bin").Bytes(2, std::string("\x00\xff", 2)));
  Result<Json> obj = DecodeProtobufObject(Envelope("v1", "ConfigMap", cm));
  ASSERT_TRUE(obj.ok()) << obj.status().message();
  EXPECT_EQ(*obj, Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
      "metadata":{"name":"settings","labels":{"app":"web"}},
      "data":{"a":"1","b":"2"},"binaryData":{"bin":"AP8="}})"));
}

TEST(ProtobufTest, DecodesNestedSpecialTypesAndKeepsPointerZeros) {
  Message port;
  port.Varint(3, 80).Bytes(4, "TCP");
  Message container;
  container.Bytes(1, "web")
      .Bytes(2, "nginx")
      .Sub(6, port)
      .Bytes(3, "sh")
      .Bytes(3, "-c")
      .Sub(8, Message().Sub(1, Message().Bytes(1, "cpu").Sub(2, Message().Bytes(1, "500m"))));
  Message pod_spec;
  pod_spec.Sub(2, container).Varint(4, 0);  // terminationGracePeriodSeconds: *int64 = 0
  Message strategy;
  strategy.Bytes(1, "RollingUpdate")
      .Sub(2, Message()
                  .Sub(1, Message().Varint(1, 1).Bytes(3, "30%"))  // maxUnavailable
                  .Sub(2, Message().Varint(1, 0).Varint(2, 2)));   // maxSurge
  Message spec;
  spec.Varint(1, 0)  // replicas: *int32 = 0 is kept
      .Sub(3, Message().Sub(2, pod_spec))
      .Sub(4, strategy);
  Message meta;
  meta.Bytes(1, "d").Sub(8, Message().Varint(1, 1795767362));
  Result<Json> obj =
      DecodeProtobufObject(Envelope("apps/v1", "Deployment", Message().Sub(1, meta).Sub(2, spec)));
  ASSERT_TRUE(obj.ok()) << obj.status().message();
  EXPECT_EQ((*obj)["metadata"]["creationTimestamp"], "2026-11-27T08:16:02Z");
  EXPECT_EQ((*obj)["spec"]["replicas"], 0);
  const Json& ps = (*obj)["spec"]["template"]["spec"];
  EXPECT_EQ(ps["terminationGracePeriodSeconds"], 0);
  EXPECT_EQ(ps["containers"][0]["command"], Json::parse(R"(["sh","-c"])"));
  EXPECT_EQ(ps["containers"][0]["ports"][0],
            Json::parse(R"({"containerPort":80,"protocol":"TCP"})"));
  EXPECT_EQ(ps["containers"][0]["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ((*obj)["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], "30%");
  EXPECT_EQ((*obj)["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 2);
}

TEST(ProtobufTest, InlinedStructsMergeIntoTheParent) {
  Message volume;
  volume.Bytes(1, "data").Sub(2, Message().Sub(2, Message()));  // VolumeSource.emptyDir
  Message pod;
  pod.Sub(1, Message().Bytes(1, "p")).Sub(2, Message().Sub(1, volume));
  Result<Json> obj = DecodeProtobufObject(Envelope("v1", "Pod", pod));
  ASSERT_TRUE(obj.ok()) << obj.status().message();
  EXPECT_EQ((*obj)["spec"]["volumes"][0], Json::parse(R"({"name":"data","emptyDir":{}})"));
}

TEST(ProtobufTest, UnknownFieldNumbersAreSkipped) {
  Message cm;
  cm.Sub(1, Message().Bytes(1, "x").Varint(999, 5)).Bytes(77, "future");
  Result<Json> obj = DecodeProtobufObject(Envelope("v1", "ConfigMap", cm));
  ASSERT_TRUE(obj.ok()) << obj.status().message();
  EXPECT_EQ((*obj)["metadata"], Json::parse(R"({"name":"x"})"));
}

TEST(ProtobufTest, MalformedBodiesAreBadRequests) {
  std::string good = Envelope("v1", "ConfigMap", Message().Sub(1, Message().Bytes(1, "x")));
  EXPECT_EQ(DecodeProtobufObject("not protobuf").status().code(), Code::kBadRequest);
  for (size_t cut = 4; cut < good.size(); ++cut) {  // every truncation fails cleanly
    Result<Json> r = DecodeProtobufObject(good.substr(0, cut));
    EXPECT_FALSE(r.ok() && r->contains("metadata") && (*r)["metadata"].contains("name"))
        << "cut at " << cut;
  }
  EXPECT_EQ(DecodeProtobufObject(Envelope("v1", "Pod", Message().Bytes(1, std::string(10, '\xff'))))
                .status()
                .code(),
            Code::kBadRequest);
  EXPECT_EQ(DecodeProtobufObject(Envelope("v1", "NoSuchKind", Message())).status().code(),
            Code::kUnsupported);
}

TEST(ProtobufTest, FormatsGoDurations) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(1'500'000'000), "1.5s");
  EXPECT_EQ(FormatGoDuration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(61'000'000'000), "1m1s");
  EXPECT_EQ(FormatGoDuration(300'000'000), "300ms");
  EXPECT_EQ(FormatGoDuration(1'500), "1.5µs");
  EXPECT_EQ(FormatGoDuration(-2'000'000'000), "-2s");
}

}  // namespace
}  // namespace sampan::api
