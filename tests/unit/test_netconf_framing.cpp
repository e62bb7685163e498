// RFC 6242 framing: the encoder for both framings, and the incremental decoder fed whole
// streams, every split of them into two reads, one byte at a time, bad chunk headers, and
// messages at and over the size limit (with the bytes it holds checked to stay bounded).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/netconf/frame_decoder.hpp"

using namespace fanout::daemon;

namespace {

std::string framed(framing mode, std::string_view message, std::uint64_t chunk = 65536) {
    auto out = encode_frame(mode, message, chunk);
    EXPECT_TRUE(std::holds_alternative<std::string>(out));
    return std::get<std::string>(out);
}

struct decoded {
    std::vector<std::string> messages;
    std::string error;
    std::size_t max_buffered = 0;
};

// Feeds `pieces` in order, draining every message each piece completes.
decoded feed_pieces(frame_decoder& decoder, const std::vector<std::string_view>& pieces) {
    decoded out;
    for (auto piece : pieces) {
        while (!piece.empty() && out.error.empty()) {
            auto step = decoder.feed(piece);
            piece.remove_prefix(step.consumed);
            out.max_buffered = std::max(out.max_buffered, decoder.buffered_bytes());
            if (step.message) out.messages.push_back(*step.message);
            if (step.error) out.error = step.error->message;
            if (step.consumed == 0 && !step.error) ADD_FAILURE() << "feed consumed nothing";
            if (step.consumed == 0) break;
        }
    }
    return out;
}

decoded feed_all(framing mode, std::string_view stream, std::size_t max = 1 << 20) {
    frame_decoder decoder(mode, max);
    return feed_pieces(decoder, {stream});
}

std::string error_of(framing mode, std::string_view stream, std::size_t max = 1 << 20) {
    return feed_all(mode, stream, max).error;
}

const std::vector<std::string> three_messages = {"<rpc-reply message-id=\"1\"><ok/></rpc-reply>",
                                                 "x",
                                                 "<output>]]>]] ]]]>]] # \n## \n#5\n</output>"};

}  // namespace

TEST(netconf_framing, encodes_end_of_message_and_chunked_exactly) {
    EXPECT_EQ(framed(framing::end_of_message, "<a/>"), "<a/>]]>]]>");
    EXPECT_EQ(framed(framing::chunked, "<a/>"), "\n#4\n<a/>\n##\n");
    EXPECT_EQ(framed(framing::chunked, "abcdefgh", 3), "\n#3\nabc\n#3\ndef\n#2\ngh\n##\n");
}

TEST(netconf_framing, refuses_messages_it_cannot_frame) {
    EXPECT_TRUE(std::holds_alternative<netconf_codec_error>(
        encode_frame(framing::end_of_message, "a]]>]]>b")));
    EXPECT_TRUE(std::holds_alternative<netconf_codec_error>(encode_frame(framing::chunked, "")));
    EXPECT_TRUE(
        std::holds_alternative<netconf_codec_error>(encode_frame(framing::chunked, "a", 0)));
}

TEST(netconf_framing, decodes_several_messages_in_one_read_in_both_framings) {
    for (auto mode : {framing::end_of_message, framing::chunked}) {
        std::string stream;
        for (auto& m : three_messages) stream += framed(mode, m, 7);
        auto out = feed_all(mode, stream);
        EXPECT_EQ(out.error, "") << framing_name(mode);
        EXPECT_EQ(out.messages, three_messages) << framing_name(mode);
    }
}

TEST(netconf_framing, every_split_into_two_reads_gives_the_same_messages) {
    for (auto mode : {framing::end_of_message, framing::chunked}) {
        std::string stream;
        for (auto& m : three_messages) stream += framed(mode, m, 5);
        const std::string_view all = stream;
        for (std::size_t split = 0; split <= all.size(); ++split) {
            frame_decoder decoder(mode, 1 << 20);
            auto out = feed_pieces(decoder, {all.substr(0, split), all.substr(split)});
            ASSERT_EQ(out.error, "") << framing_name(mode) << " split at " << split;
            ASSERT_EQ(out.messages, three_messages) << framing_name(mode) << " split at " << split;
            EXPECT_FALSE(decoder.mid_message());
        }
    }
}

TEST(netconf_framing, one_byte_at_a_time_gives_the_same_messages) {
    for (auto mode : {framing::end_of_message, framing::chunked}) {
        std::string stream;
        for (auto& m : three_messages) stream += framed(mode, m, 2);
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back({stream.data() + i, 1});
        frame_decoder decoder(mode, 1 << 20);
        auto out = feed_pieces(decoder, bytes);
        EXPECT_EQ(out.error, "");
        EXPECT_EQ(out.messages, three_messages) << framing_name(mode);
        EXPECT_EQ(decoder.stream_offset(), stream.size());
    }
}

TEST(netconf_framing, a_bracket_before_the_end_marker_belongs_to_the_message) {
    EXPECT_EQ(feed_all(framing::end_of_message, "a]]]>]]>").messages,
              std::vector<std::string>{"a]"});
    EXPECT_EQ(feed_all(framing::end_of_message, "]]>]]]>]]>").messages,
              std::vector<std::string>{"]]>]"});
    EXPECT_EQ(feed_all(framing::end_of_message, "a]]>]]").messages.size(), 0u);
}

TEST(netconf_framing, the_hello_in_end_of_message_then_chunked_on_the_same_stream) {
    const std::string stream = "<hello/>]]>]]>\n#4\n<a/>\n##\n";
    frame_decoder decoder(framing::end_of_message, 1024);
    auto step = decoder.feed(stream);
    ASSERT_TRUE(step.message);
    EXPECT_EQ(*step.message, "<hello/>");
    EXPECT_EQ(step.consumed, 14u);  // stops at the end of the hello
    decoder.set_framing(framing::chunked);
    step = decoder.feed(std::string_view(stream).substr(14));
    ASSERT_TRUE(step.message);
    EXPECT_EQ(*step.message, "<a/>");
}

TEST(netconf_framing, changing_the_framing_mid_message_is_a_programming_error) {
    frame_decoder decoder(framing::chunked, 1024);
    decoder.feed("\n#4\n<a");
    EXPECT_THROW(decoder.set_framing(framing::end_of_message), std::logic_error);
    EXPECT_THROW(frame_decoder(framing::chunked, 0), std::logic_error);
}

TEST(netconf_framing, bad_chunk_headers_are_errors_naming_the_problem) {
    const std::pair<std::string, std::string> cases[] = {
        {"\n#abc\n", "expected a chunk size digit or '#', got 'a'"},
        {"\n#0\nx\n##\n", "zero or has a leading zero"},
        {"\n#01\nx\n##\n", "zero or has a leading zero"},
        {"\n#12345678901\n", "longer than 10 digits"},
        {"\n#4294967296\n", "above 4294967295"},
        {"\n#99999999999\n", "above 4294967295"},
        {"\n#5x", "expected a chunk size digit or LF, got 'x'"},
        {"\n#5<rpc", "expected a chunk size digit or LF, got '<'"},
        {"\n#5 \n", "got byte 0x20"},
        {"<rpc-reply/>", "expected LF starting a chunk header, got '<'"},
        {"\n\n", "expected '#' in a chunk header, got LF"},
        {"\n##\n", "end of chunks before any chunk"},
        {"\n#3\nabcX", "expected LF starting a chunk header, got 'X'"},
        {"\n#3\nabc\n##x", "expected LF ending"},
        {"\n#-1\n", "got '-'"},
    };
    for (const auto& [stream, expected] : cases) {
        const auto error = error_of(framing::chunked, stream);
        EXPECT_NE(error.find(expected), std::string::npos)
            << "stream " << testing::PrintToString(stream) << " gave: " << error;
        EXPECT_NE(error.find("stream byte"), std::string::npos) << error;
    }
}

TEST(netconf_framing, the_largest_chunk_size_is_a_valid_header) {
    frame_decoder decoder(framing::chunked, 4'294'967'295);
    auto step = decoder.feed("\n#4294967295\nabc");
    EXPECT_FALSE(step.error) << step.error->message;
    EXPECT_EQ(decoder.buffered_bytes(), 3u);
    EXPECT_TRUE(decoder.mid_message());
}

TEST(netconf_framing, an_error_is_final) {
    frame_decoder decoder(framing::chunked, 1024);
    EXPECT_TRUE(decoder.feed("\n#0\n").error);
    auto again = decoder.feed("\n#1\na\n##\n");
    EXPECT_TRUE(again.error);
    EXPECT_EQ(again.consumed, 0u);
    EXPECT_FALSE(again.message);
}

TEST(netconf_framing, a_chunked_message_of_exactly_the_limit_passes_one_more_byte_fails) {
    const std::string exact(100, 'a');
    EXPECT_EQ(feed_all(framing::chunked, framed(framing::chunked, exact, 30), 100).messages,
              std::vector<std::string>{exact});
    const auto error = error_of(framing::chunked, framed(framing::chunked, exact + "b", 30), 100);
    EXPECT_NE(error.find("message longer than 100 bytes"), std::string::npos) << error;
}

TEST(netconf_framing, an_oversized_chunk_is_refused_at_its_header_before_any_body_arrives) {
    frame_decoder decoder(framing::chunked, 100);
    auto step = decoder.feed("\n#101\n");
    ASSERT_TRUE(step.error);
    EXPECT_EQ(decoder.buffered_bytes(), 0u);
}

TEST(netconf_framing, only_a_message_over_the_limit_is_flagged_over_size_not_a_broken_frame) {
    frame_decoder chunks(framing::chunked, 100);
    EXPECT_FALSE(chunks.feed("\n#60\n" + std::string(60, 'a')).error);
    auto second = chunks.feed("\n#41\n");  // well formed, but 101 bytes in all
    ASSERT_TRUE(second.error);
    EXPECT_TRUE(second.error->over_size_limit) << second.error->message;
    frame_decoder endless(framing::end_of_message, 100);
    auto long_one = endless.feed(std::string(200, 'a'));
    ASSERT_TRUE(long_one.error);
    EXPECT_TRUE(long_one.error->over_size_limit);
    frame_decoder broken(framing::chunked, 100);
    auto bad = broken.feed("\n#abc\n");
    ASSERT_TRUE(bad.error);
    EXPECT_FALSE(bad.error->over_size_limit);
}

TEST(netconf_framing, an_end_of_message_message_of_exactly_the_limit_passes_one_more_byte_fails) {
    const std::string exact(100, 'a');
    for (std::size_t piece : {1, 7, 200}) {
        std::vector<std::string_view> pieces;
        const std::string ok = framed(framing::end_of_message, exact);
        for (std::size_t i = 0; i < ok.size(); i += piece)
            pieces.push_back(std::string_view(ok).substr(i, piece));
        frame_decoder decoder(framing::end_of_message, 100);
        auto out = feed_pieces(decoder, pieces);
        EXPECT_EQ(out.messages, std::vector<std::string>{exact}) << "pieces of " << piece;
        EXPECT_LE(out.max_buffered, 106u);
    }
    const auto error = error_of(framing::end_of_message, exact + "b]]>]]>", 100);
    EXPECT_NE(error.find("longer than 100 bytes without the end marker"), std::string::npos)
        << error;
}

TEST(netconf_framing, an_endless_message_never_makes_the_decoder_hold_more_than_the_limit) {
    // 20 000 bytes of one message that never ends, in reads of 4096 bytes.
    std::string endless_chunks;
    for (int i = 0; i < 20; ++i) endless_chunks += "\n#1000\n" + std::string(1000, 'x');
    const std::pair<framing, std::string> streams[] = {
        {framing::end_of_message, std::string(20'000, 'x')}, {framing::chunked, endless_chunks}};
    for (const auto& [mode, stream] : streams) {
        std::vector<std::string_view> pieces;
        for (std::size_t i = 0; i < stream.size(); i += 4096) {
            pieces.push_back(std::string_view(stream).substr(i, 4096));
        }
        frame_decoder decoder(mode, 10'000);
        auto out = feed_pieces(decoder, pieces);
        EXPECT_LE(out.max_buffered, 10'006u) << framing_name(mode);
        EXPECT_NE(out.error.find("longer than 10000 bytes"), std::string::npos)
            << framing_name(mode) << ": " << out.error;
        EXPECT_EQ(decoder.buffered_bytes(), 0u);  // released on error
    }
}
