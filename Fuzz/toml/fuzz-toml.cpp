// libFuzzer harness for toml++ (the parser inside TOMLKit) behind EnerTrack's screen: every
// input TariffFile.screen (Sources/EnerTrackKit/Money/TariffFile.swift) lets through must parse
// or fail with a parse_error, never trip an assertion or undefined behaviour. Built and run by
// scripts/fuzz-toml with asserts on and -fsanitize=fuzzer,address,undefined; `screen` below is
// a line-for-line port of the Swift one (keep them together).
#define TOML_EXCEPTIONS 1
#define TOML_HEADER_ONLY 1
#include <toml.hpp>
#include <cstdint>
#include <string>

namespace {
enum class State { normal, comment, basic, literal, multiBasic, multiLiteral };

bool isBlank(uint8_t b) { return b == ' ' || b == '\t'; }
bool isKeyStart(uint8_t b) {
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' || b == '-' ||
           b == '"' || b == '\'';
}

bool screenRejects(const std::string& text) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    const size_t count = text.size();
    State state = State::normal;
    bool lineStart = true;
    size_t index = 0;
    auto at = [&](size_t offset) -> int { return index + offset < count ? bytes[index + offset] : -1; };
    auto headerHasKey = [&](size_t start) {
        size_t look = start + 1;
        while (look < count && isBlank(bytes[look])) look++;
        if (look < count && bytes[look] == '[') {
            look++;
            while (look < count && isBlank(bytes[look])) look++;
        }
        return look < count && isKeyStart(bytes[look]);
    };
    while (index < count) {
        const uint8_t byte = bytes[index];
        if (byte == '\n') {
            if (state == State::comment || state == State::basic || state == State::literal) state = State::normal;
            lineStart = state == State::normal;
            index++;
            continue;
        }
        switch (state) {
        case State::normal:
            if (lineStart && !isBlank(byte)) {
                lineStart = false;
                if (byte == '[' && !headerHasKey(index)) return true;
            }
            if (byte >= 0x80) {
                return true;
            } else if (byte == '#') {
                state = State::comment;
            } else if (byte == '"' || byte == '\'') {
                const bool triple = at(1) == byte && at(2) == byte;
                state = byte == '"' ? (triple ? State::multiBasic : State::basic)
                                    : (triple ? State::multiLiteral : State::literal);
                if (triple) index += 2;
            }
            break;
        case State::comment: break;
        case State::basic:
            if (byte == '\\') index++;
            else if (byte == '"') state = State::normal;
            break;
        case State::literal:
            if (byte == '\'') state = State::normal;
            break;
        case State::multiBasic:
        case State::multiLiteral: {
            const uint8_t closing = state == State::multiBasic ? '"' : '\'';
            if (state == State::multiBasic && byte == '\\' && at(1) != '\n') {
                index++;
            } else if (byte == closing && at(1) == closing && at(2) == closing) {
                state = State::normal;
                index += 2;
            }
            break;
        }
        }
        index++;
    }
    return false;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    if (text.find('\0') != std::string::npos || screenRejects(text)) return 0;  // refused before parsing
    try {
        auto table = toml::parse(text);
        (void)table;
    } catch (const toml::parse_error&) {
    }
    return 0;
}
