#include "daemon/structured/json_fast.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/structured/msgpack_builder.hpp"

namespace fanout::daemon::structured {

namespace {

struct parser_state {
    simdjson::dom::parser parser;
    std::vector<char> padded;  // the input, then SIMDJSON_PADDING readable bytes
};

// fanoutd runs up to --workers (1024) threads, so a parser per thread would keep up to 1024
// of them; a few shared ones suffice since parsing is CPU-bound.
class parser_pool {
  public:
    std::unique_ptr<parser_state> take() {
        {
            std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                auto state = std::move(free_.back());
                free_.pop_back();
                return state;
            }
        }
        return std::make_unique<parser_state>();
    }
    void give_back(std::unique_ptr<parser_state> state) {
        std::lock_guard lock(mutex_);
        if (free_.size() < pooled_parsers) free_.push_back(std::move(state));
    }

  private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<parser_state>> free_;
};

// Packs one value and what it holds; false when something cannot be mapped exactly (then the
// caller falls back). depth = containers already open around it.
bool pack(const simdjson::dom::element& e, unsigned depth, unsigned max_depth,
          msgpack_builder& out) {
    using type = simdjson::dom::element_type;
    switch (e.type()) {
        case type::OBJECT: {
            if (depth >= max_depth) return false;
            const simdjson::dom::object object = e.get_object().value_unsafe();
            out.open_map();
            for (const auto field : object) {
                out.key(field.key);
                if (!pack(field.value, depth + 1, max_depth, out)) return false;
            }
            out.close();
            return true;
        }
        case type::ARRAY: {
            if (depth >= max_depth) return false;
            const simdjson::dom::array array = e.get_array().value_unsafe();
            out.open_array();
            for (const auto item : array) {
                if (!pack(item, depth + 1, max_depth, out)) return false;
            }
            out.close();
            return true;
        }
        case type::STRING:
            out.string(e.get_string().value_unsafe());
            return true;
        // nlohmann-json hands over a non-negative integer as unsigned, a negative one as
        // signed: simdjson's int64 for 0..2^63-1 (and "-0") is packed as unsigned to match
        // (msgpack-cxx's pack_int64 writes a non-negative value as a msgpack uint anyway).
        case type::INT64: {
            const std::int64_t v = e.get_int64().value_unsafe();
            v < 0 ? out.integer(v) : out.unsigned_integer(static_cast<std::uint64_t>(v));
            return true;
        }
        case type::UINT64:
            out.unsigned_integer(e.get_uint64().value_unsafe());
            return true;
        case type::DOUBLE:
            out.float64(e.get_double().value_unsafe());
            return true;
        case type::BOOL:
            out.boolean(e.get_bool().value_unsafe());
            return true;
        case type::NULL_VALUE:
            out.nil();
            return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> json_to_msgpack_fast(std::string_view json, unsigned max_depth) {
    static parser_pool pool;
    auto taken = pool.take();
    auto& state = *taken;
    auto& padded = state.padded;
    padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
    if (!json.empty()) std::memcpy(padded.data(), json.data(), json.size());
    std::memset(padded.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);

    std::optional<std::string> result;
    // simdjson counts the document itself as one level: max_depth + 1 lets exactly max_depth
    // nested arrays and objects through, as the reference does; pack() checks it again.
    const std::size_t depth = std::size_t{max_depth} + 1;
    auto& parser = state.parser;
    bool ready = true;
    if (parser.capacity() < json.size() || parser.max_depth() != depth) {
        ready =
            parser.allocate(std::max(json.size(), parser.capacity()), depth) == simdjson::SUCCESS;
    }
    if (ready) {
        simdjson::dom::element root;
        if (parser.parse(padded.data(), json.size(), false).get(root) == simdjson::SUCCESS) {
            msgpack_builder out;
            if (pack(root, 0, max_depth, out)) result = out.finish();
        }
    }
    if (json.size() <= retained_bytes) pool.give_back(std::move(taken));
    return result;
}

}  // namespace fanout::daemon::structured
