#include "daemon/metrics/registry.hpp"

#include <stdexcept>

namespace fanout::metrics {
namespace {

bool valid_name(std::string_view name, bool colons) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char ch = name[i];
        const bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                            (colons && ch == ':');
        if (!letter && !(i > 0 && ch >= '0' && ch <= '9')) return false;
    }
    return true;
}

}  // namespace

void registry::check_label_name(const std::string& label_name) {
    if (!valid_name(label_name, false) || label_name == "le")
        throw std::invalid_argument("invalid metric label name '" + label_name + "'");
}

void registry::add(std::string name, std::string help, std::string type,
                   std::function<void(std::string&, const std::string&)> write) {
    if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
    std::lock_guard guard(mutex_);
    for (const auto& f : families_)
        if (f.name == name) throw std::invalid_argument("metric '" + name + "' registered twice");
    families_.push_back({std::move(name), std::move(help), std::move(type), std::move(write)});
}

counter& registry::add_counter(std::string name, std::string help) {
    auto owned = std::make_shared<counter>();
    auto* c = owned.get();
    add(std::move(name), std::move(help), "counter", [c](std::string& out, const std::string& n) {
        write_sample(out, n, {}, static_cast<double>(c->value()));
    });
    std::lock_guard guard(mutex_);
    owned_.push_back(std::move(owned));
    return *c;
}

gauge& registry::add_gauge(std::string name, std::string help) {
    auto owned = std::make_shared<gauge>();
    auto* g = owned.get();
    add(std::move(name), std::move(help), "gauge", [g](std::string& out, const std::string& n) {
        write_sample(out, n, {}, static_cast<double>(g->value()));
    });
    std::lock_guard guard(mutex_);
    owned_.push_back(std::move(owned));
    return *g;
}

histogram& registry::add_histogram(std::string name, std::string help, std::vector<double> bounds) {
    auto owned = std::make_shared<histogram>(std::move(bounds));
    auto* h = owned.get();
    add(std::move(name), std::move(help), "histogram",
        [h](std::string& out, const std::string& n) { write_histogram(out, n, {}, *h); });
    std::lock_guard guard(mutex_);
    owned_.push_back(std::move(owned));
    return *h;
}

void registry::add_counter_fn(std::string name, std::string help, value_fn read) {
    add(std::move(name), std::move(help), "counter",
        [read = std::move(read)](std::string& out, const std::string& n) {
            write_sample(out, n, {}, read());
        });
}

void registry::add_gauge_fn(std::string name, std::string help, value_fn read) {
    add(std::move(name), std::move(help), "gauge",
        [read = std::move(read)](std::string& out, const std::string& n) {
            write_sample(out, n, {}, read());
        });
}

void registry::add_gauge_fn(std::string name, std::string help, std::string label_name,
                            std::vector<std::pair<std::string, value_fn>> reads) {
    check_label_name(label_name);
    add(std::move(name), std::move(help), "gauge",
        [label_name = std::move(label_name), reads = std::move(reads)](std::string& out,
                                                                       const std::string& n) {
            for (const auto& [value, read] : reads) {
                const label l{label_name, value};
                write_sample(out, n, {&l, 1}, read());
            }
        });
}

std::string registry::render() const {
    std::lock_guard guard(mutex_);
    std::string out;
    for (const auto& f : families_) {
        write_header(out, f.name, f.help, f.type);
        f.write(out, f.name);
    }
    return out;
}

}  // namespace fanout::metrics
