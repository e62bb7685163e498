// Internal to fanout_structured: msgpack written in document order, as a streaming parser
// delivers values, when the size of a map or array is known only at its end.
//
// Contract: open_map/open_array reserve a 5-byte header; close() records the count; finish()
// writes the bytes once more with every header in its shortest msgpack form. Strings are
// written as given (the caller passes UTF-8). Never throws except std::bad_alloc.
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::daemon::structured {

class msgpack_builder {
  public:
    msgpack_builder() : packer_(*this) {}
    msgpack_builder(const msgpack_builder&) = delete;
    msgpack_builder& operator=(const msgpack_builder&) = delete;

    void nil() {
        value();
        packer_.pack_nil();
    }
    void boolean(bool v) {
        value();
        v ? packer_.pack_true() : packer_.pack_false();
    }
    void integer(std::int64_t v) {
        value();
        packer_.pack_int64(v);
    }
    void unsigned_integer(std::uint64_t v) {
        value();
        packer_.pack_uint64(v);
    }
    void float64(double v);
    void string(std::string_view s);
    void key(std::string_view s);  // a map key: counted as one entry of the open map

    void open_map() { open(true); }
    void open_array() { open(false); }
    void close();
    std::size_t depth() const { return open_.size(); }

    std::string finish();

    void write(const char* data, std::size_t size) { bytes_.append(data, size); }  // packer's

  private:
    struct container {
        std::size_t offset;
        std::uint32_t count = 0;
        bool map = false;
    };
    void value();  // one more element in the open array (map entries are counted by key())
    void open(bool map);

    std::string bytes_;
    std::vector<container> containers_;  // every one, in the order they opened (= offset order)
    std::vector<std::size_t> open_;      // indices into containers_ of the open ones
    msgpack::packer<msgpack_builder> packer_;
};

}  // namespace fanout::daemon::structured
