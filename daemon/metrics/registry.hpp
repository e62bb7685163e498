// A registry: the metrics of one exposition, in registration order, rendered as Prometheus text.
//
// Contract:
// - add_* registers a metric family and returns the metric to record into; the registry owns
//   it and it stays at its address for the registry's life. Names must match
//   [a-zA-Z_:][a-zA-Z0-9_:]* and be unique in the registry, label names [a-zA-Z_][a-zA-Z0-9_]*
//   and not `le` (else std::invalid_argument: a programming error).
// - *_fn families are read at scrape time by calling the function (the function may take the
//   lock of what it reads: scrapes are not the hot path); a labeled one writes one sample per
//   (label value, function) pair.
// - Registration and render() are serialised by a mutex; recording into the returned metrics
//   never takes it (metric_types.hpp).
// - render() returns every family: # HELP, # TYPE, then its samples (a counter_family with no
//   tuple yet has no sample; the other families always have theirs).
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/metrics/exposition.hpp"
#include "daemon/metrics/metric_types.hpp"

namespace fanout::metrics {

class registry {
  public:
    using value_fn = std::function<double()>;

    counter& add_counter(std::string name, std::string help);
    gauge& add_gauge(std::string name, std::string help);
    histogram& add_histogram(std::string name, std::string help, std::vector<double> bounds);
    template <std::size_t Labels>
    counter_family<Labels>& add_counter_family(std::string name, std::string help,
                                               std::array<std::string, Labels> label_names);
    void add_counter_fn(std::string name, std::string help, value_fn read);
    void add_gauge_fn(std::string name, std::string help, value_fn read);
    void add_gauge_fn(std::string name, std::string help, std::string label_name,
                      std::vector<std::pair<std::string, value_fn>> reads);

    std::string render() const;

  private:
    struct family {
        std::string name, help, type;
        std::function<void(std::string&, const std::string&)> write;  // (out, name)
    };
    void add(std::string name, std::string help, std::string type,
             std::function<void(std::string&, const std::string&)> write);
    static void check_label_name(const std::string& label_name);

    mutable std::mutex mutex_;
    std::vector<family> families_;
    std::deque<std::shared_ptr<void>> owned_;  // the metrics handed out
};

template <std::size_t Labels>
counter_family<Labels>& registry::add_counter_family(std::string name, std::string help,
                                                     std::array<std::string, Labels> label_names) {
    for (const auto& l : label_names) check_label_name(l);
    auto owned = std::make_shared<counter_family<Labels>>();
    auto* f = owned.get();
    add(std::move(name), std::move(help), "counter",
        [f, label_names](std::string& out, const std::string& n) {
            std::array<label, Labels> labels;
            for (std::size_t i = 0; i < Labels; ++i) labels[i].first = label_names[i];
            for (std::size_t slot = 0; slot < f->size(); ++slot) {
                for (std::size_t i = 0; i < Labels; ++i) labels[i].second = f->labels(slot)[i];
                write_sample(out, n, labels, static_cast<double>(f->value(slot)));
            }
            if (f->overflowed() == 0) return;
            for (auto& l : labels) l.second = "other";
            write_sample(out, n, labels, static_cast<double>(f->overflowed()));
        });
    std::lock_guard guard(mutex_);
    owned_.push_back(std::move(owned));
    return *f;
}

}  // namespace fanout::metrics
