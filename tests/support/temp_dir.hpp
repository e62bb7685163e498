// A fresh temporary directory for a test, removed with its contents on destruction.
//
// Contract: the directory is created by mkdtemp(3) under $TMPDIR (or /tmp) at construction;
// construction throws std::runtime_error when it cannot be created. Not copyable. write()
// creates (or replaces) a file in it with the given text and returns its path. read_text()
// returns a whole file (any path), empty when it does not exist or cannot be read.
#pragma once

#include <string>
#include <string_view>

namespace fanout::testing {

class temp_dir {
  public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
    std::string write(std::string_view name, std::string_view text) const;

  private:
    std::string path_;
};

std::string read_text(const std::string& path);

}  // namespace fanout::testing
