#include "route/words.h"

namespace ev::route {

std::vector<Word> split_words(std::string_view text, WordError& error, bool& ok) {
    std::vector<Word> words;
    ok = true;
    std::size_t i = 0;
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (i < text.size()) {
        char c = text[i];
        if (blank(c)) {
            ++i;
            continue;
        }
        if (c == ',') {
            words.push_back(Word{",", i, false, true});
            ++i;
            continue;
        }
        Word word;
        word.offset = i;
        while (i < text.size() && !blank(text[i]) && text[i] != ',') {
            char q = text[i];
            if (q == '\'') {
                std::size_t end = text.find('\'', i + 1);
                if (end == std::string_view::npos) {
                    error = {"unterminated ' quote", i};
                    ok = false;
                    return {};
                }
                word.text.append(text.substr(i + 1, end - i - 1));
                word.quoted = true;
                i = end + 1;
            } else if (q == '"') {
                std::size_t start = i;
                ++i;
                bool closed = false;
                while (i < text.size()) {
                    char d = text[i];
                    if (d == '"') {
                        closed = true;
                        ++i;
                        break;
                    }
                    if (d == '\\') {
                        if (i + 1 >= text.size()) {
                            break;
                        }
                        char e = text[i + 1];
                        switch (e) {
                            case '\\':
                            case '"':
                                word.text += e;
                                break;
                            case 'n':
                                word.text += '\n';
                                break;
                            case 't':
                                word.text += '\t';
                                break;
                            default:
                                error = {std::string("unknown escape \\") + e + " (use \\\\ \\\" \\n or \\t)", i};
                                ok = false;
                                return {};
                        }
                        i += 2;
                        continue;
                    }
                    word.text += d;
                    ++i;
                }
                if (!closed) {
                    error = {"unterminated \" quote", start};
                    ok = false;
                    return {};
                }
                word.quoted = true;
            } else {
                word.text += q;
                ++i;
            }
        }
        words.push_back(std::move(word));
    }
    return words;
}

}  // namespace ev::route
