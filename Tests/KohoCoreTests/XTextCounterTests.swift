import Testing
import KohoCore

// Cases from twitter-text's conformance suite (conformance/validate.yml sections
// WeightedTweetsCounterTest, WeightedTweetsWithDiscountedEmojiCounterTest and
// UnicodeDirectionalMarkerCounterTest; conformance/extract.yml URL sections;
// conformance/tlds.yml), plus Koho's own cases. Ranges in the YAML are inclusive
// (`displayRangeEnd: 16`); here they are half-open UTF-16 ranges (`0..<17`).

/// One parseTweet expectation, written like the YAML.
struct XTextWeightedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let weightedLength: Int
    let valid: Bool
    let permillage: Int
    /// Inclusive, as in validate.yml.
    let displayRangeEnd: Int
    /// Inclusive, as in validate.yml.
    let validRangeEnd: Int

    init(_ name: String, _ text: String, weightedLength: Int, valid: Bool, permillage: Int,
         displayRangeEnd: Int, validRangeEnd: Int) {
        self.name = name
        self.text = text
        self.weightedLength = weightedLength
        self.valid = valid
        self.permillage = permillage
        self.displayRangeEnd = displayRangeEnd
        self.validRangeEnd = validRangeEnd
    }

    var expected: XTextParseResult {
        XTextParseResult(weightedLength: weightedLength, isValid: valid, permillage: permillage,
                         validRange: 0..<(validRangeEnd + 1), displayRange: 0..<(displayRangeEnd + 1))
    }

    var testDescription: String { name }
}

/// One URL-extraction expectation (extract.yml `urls`, `urls_with_indices`, ...).
struct XTextURLCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let urls: [String]
    /// UTF-16 [start, end) pairs, when the YAML gives them.
    let indices: [[Int]]?

    init(_ name: String, _ text: String, _ urls: [String], indices: [[Int]]? = nil) {
        self.name = name
        self.text = text
        self.urls = urls
        self.indices = indices
    }

    var testDescription: String { name }
}

// MARK: - Shared texts

private let poem = "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。"
    + "旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
    + "泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。"
    + "遥知兄弟登高处，遍插茱萸少一人。"
private let xs = String(repeating: "xxxxxxxxxx-", count: 24)
private let longURL = "https://" + String(repeating: "somesuperlongurl", count: 249) + ".com/foo"
private let longURLText = "Long url with invalid domain labels and a short url: "
    + [longURL, longURL, longURL].joined(separator: " ") + " https://validurl.com"
private let kana10 = "あいうえおかきくけこ"
private let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}"
private let punctuationTail = " \u{2010} \u{2011} \u{2012} \u{2013} \u{2014} \u{2015} \u{2016}  \u{2017} \u{2018}"
    + " \u{2019} \u{201A} \u{201B} \u{201C} \u{201D} \u{201E} \u{201F} \u{2032} \u{2033} \u{2034}"
    + " \u{2035} \u{2036} \u{2037}"
private let englandFlag = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"

/// Cases that are identical in both weighted sections of validate.yml.
private let sharedCases: [XTextWeightedCase] = [
    XTextWeightedCase("Regular Tweet with url", "Hi http://test.co",
                 weightedLength: 26, valid: true, permillage: 92, displayRangeEnd: 16, validRangeEnd: 16),
    XTextWeightedCase("Just url", "http://test.co",
                 weightedLength: 23, valid: true, permillage: 82, displayRangeEnd: 13, validRangeEnd: 13),
    XTextWeightedCase("Long tweet, overflow at char index 280",
                 "285 chars-" + String(repeating: "xxxxxxxxxx-", count: 25),
                 weightedLength: 285, valid: false, permillage: 1017, displayRangeEnd: 284, validRangeEnd: 279),
    XTextWeightedCase("Long tweet with url in the middle, overflow at char index 284",
                 "285 chars- http://www.twitter.com/jack " + xs,
                 weightedLength: 299, valid: false, permillage: 1067, displayRangeEnd: 302, validRangeEnd: 283),
    XTextWeightedCase("Long tweet with url at the end, overflow at char index 265",
                 xs + " http://www.twitter.com/jack ",
                 weightedLength: 289, valid: false, permillage: 1032, displayRangeEnd: 292, validRangeEnd: 264),
    XTextWeightedCase("10 url string, no overflow", String(repeating: "https://www.twitter.com/aloha ", count: 10),
                 weightedLength: 240, valid: true, permillage: 857, displayRangeEnd: 299, validRangeEnd: 299),
    XTextWeightedCase("160 CJK char, overflow at char index 140", poem,
                 weightedLength: 320, valid: false, permillage: 1142, displayRangeEnd: 159, validRangeEnd: 139),
    XTextWeightedCase("160 emoji char, overflow at char index 140", String(repeating: "\u{1F637}", count: 160),
                 weightedLength: 320, valid: false, permillage: 1142, displayRangeEnd: 319, validRangeEnd: 279),
    XTextWeightedCase("3 latin char + 160 CJK char, overflow at char index 141", "the" + poem,
                 weightedLength: 323, valid: false, permillage: 1153, displayRangeEnd: 162, validRangeEnd: 140),
    XTextWeightedCase("282 chars with a normalized character within valid range but outside 280",
                 "282 chars-" + xs + "xxxxxA\u{301}x",
                 weightedLength: 281, valid: false, permillage: 1003, displayRangeEnd: 281, validRangeEnd: 280),
    XTextWeightedCase("Count unicode emoji chars inside the basic multilingual plane",
                 "\u{1F637}\u{1F47E}\u{1F621}\u{1F525}\u{1F4A9}",
                 weightedLength: 10, valid: true, permillage: 35, displayRangeEnd: 9, validRangeEnd: 9),
    XTextWeightedCase("Handle long url with invalid domain labels and short url", longURLText,
                 weightedLength: 12079, valid: false, permillage: 43139, displayRangeEnd: 12075, validRangeEnd: 279),
    XTextWeightedCase("Handle a 64 character domain without protocol",
                 "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com",
                 weightedLength: 68, valid: true, permillage: 242, displayRangeEnd: 67, validRangeEnd: 67),
    XTextWeightedCase("Do not allow > 140 CJK characters by virtue of CJK chars greater than 63 punycode encoded chars in the host",
                 String(repeating: kana10, count: 12) + " http://" + String(repeating: kana10, count: 5) + "あいう.com",
                 weightedLength: 358, valid: false, permillage: 1278, displayRangeEnd: 184, validRangeEnd: 143),
    XTextWeightedCase("Allow > 140 CJK characters by virtue of CJK chars less than 63 punycode encoded chars in the host",
                 String(repeating: kana10, count: 12) + " http://" + String(repeating: kana10, count: 5) + "あい.com",
                 weightedLength: 264, valid: true, permillage: 942, displayRangeEnd: 183, validRangeEnd: 183),
]

/// validate.yml `WeightedTweetsCounterTest` (config v2: no emoji parsing).
let xTextWeightedTweetsCounterCases: [XTextWeightedCase] = sharedCases + [
    XTextWeightedCase("'Á' is normalized into 1 char", "A\u{301}B",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 2, validRangeEnd: 2),
    XTextWeightedCase("שּׁ is normalized into 3 chars", "A\u{FB2C}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 1, validRangeEnd: 1),
    XTextWeightedCase("Count a mix of single byte single word, and double word unicode characters",
                 "H\u{1F431}\u{263A}" + family,
                 weightedLength: 16, valid: true, permillage: 57, displayRangeEnd: 14, validRangeEnd: 14),
    XTextWeightedCase("Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
                 "\u{1F64B}\u{1F3FD}\u{1F468}\u{200D}\u{1F3A4}",
                 weightedLength: 9, valid: true, permillage: 32, displayRangeEnd: 8, validRangeEnd: 8),
    XTextWeightedCase("Handle General Punctuation Characters with visible spaces(u2000-200A)",
                 "This is a tweet with general punctuation characters: "
                     + "\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}"
                     + "\u{200B}\u{200C}\u{200D}" + punctuationTail,
                 weightedLength: 112, valid: true, permillage: 400, displayRangeEnd: 111, validRangeEnd: 111),
]

/// validate.yml `WeightedTweetsWithDiscountedEmojiCounterTest` (config v3).
let xTextDiscountedEmojiCases: [XTextWeightedCase] = sharedCases + [
    XTextWeightedCase("Count a mix of single byte single word, and double word unicode characters",
                 "H\u{1F431}\u{263A}" + family,
                 weightedLength: 7, valid: true, permillage: 25, displayRangeEnd: 14, validRangeEnd: 14),
    XTextWeightedCase("Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
                 "\u{1F64B}\u{1F3FD}\u{1F468}\u{200D}\u{1F3A4}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 8, validRangeEnd: 8),
    XTextWeightedCase("Handle General Punctuation Characters with visible spaces(u2000-200A), no ZWJ/ZWNJ",
                 "This is a tweet with general punctuation characters: "
                     + "\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}"
                     + "\u{200B}" + punctuationTail,
                 weightedLength: 110, valid: true, permillage: 392, displayRangeEnd: 109, validRangeEnd: 109),
    XTextWeightedCase("140 family emoji", String(repeating: family, count: 140),
                 weightedLength: 280, valid: true, permillage: 1000, displayRangeEnd: 1539, validRangeEnd: 1539),
    XTextWeightedCase("Unicode 10.0 emoji",
                 "Unicode 10.0 emoji: \u{1F92A}; \u{1F9D5}; \u{1F9D5}\u{1F3FE}; " + englandFlag,
                 weightedLength: 34, valid: true, permillage: 121, displayRangeEnd: 47, validRangeEnd: 47),
    XTextWeightedCase("Unicode 9.0 emoji", "Unicode 9.0 emoji: \u{1F920}; \u{1F483}; \u{1F483}\u{1F3FE}",
                 weightedLength: 29, valid: true, permillage: 103, displayRangeEnd: 30, validRangeEnd: 30),
]

/// validate.yml `UnicodeDirectionalMarkerCounterTest` (config v3).
let xTextDirectionalMarkerCases: [XTextWeightedCase] = [
    XTextWeightedCase("Handle invalid characters", "ABC\u{202A}\u{FFFF}ABC\u{FFFE}",
                 weightedLength: 12, valid: false, permillage: 42, displayRangeEnd: 8, validRangeEnd: 3),
    XTextWeightedCase("Tweet text containing directional characters should be considered valid",
                 "\u{2066}\u{202A}http://foobar.\u{67E}\u{627}\u{6A9}\u{633}\u{62A}\u{627}\u{646}/\u{202C}\u{2069}",
                 weightedLength: 31, valid: true, permillage: 110, displayRangeEnd: 25, validRangeEnd: 25),
]

// MARK: - Koho's own cases (v3)

private let ja140 = String(repeating: "あ", count: 140)
private let kodairaSentence = "詳細はhttps://www.city.kodaira.tokyo.jp/をご覧ください"

let xTextKohoCases: [XTextWeightedCase] = [
    // The 280 edge.
    XTextWeightedCase("280 ASCII characters", String(repeating: "a", count: 280),
                 weightedLength: 280, valid: true, permillage: 1000, displayRangeEnd: 279, validRangeEnd: 279),
    XTextWeightedCase("281 ASCII characters", String(repeating: "a", count: 281),
                 weightedLength: 281, valid: false, permillage: 1003, displayRangeEnd: 280, validRangeEnd: 279),
    XTextWeightedCase("140 full-width Japanese characters are 280", ja140,
                 weightedLength: 280, valid: true, permillage: 1000, displayRangeEnd: 139, validRangeEnd: 139),
    XTextWeightedCase("141 full-width Japanese characters are 282", ja140 + "あ",
                 weightedLength: 282, valid: false, permillage: 1007, displayRangeEnd: 140, validRangeEnd: 139),
    XTextWeightedCase("257 characters and a URL make exactly 280",
                 String(repeating: "x", count: 256) + " https://example.com/a/long/path?with=query",
                 weightedLength: 280, valid: true, permillage: 1000, displayRangeEnd: 298, validRangeEnd: 298),
    // Normalisation.
    XTextWeightedCase("か + U+3099 composes to が", "か\u{3099}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 1, validRangeEnd: 1),
    XTextWeightedCase("140 decomposed が are 280, the valid range covers the input",
                 String(repeating: "か\u{3099}", count: 140),
                 weightedLength: 280, valid: true, permillage: 1000, displayRangeEnd: 279, validRangeEnd: 279),
    XTextWeightedCase("141 decomposed が", String(repeating: "か\u{3099}", count: 141),
                 weightedLength: 282, valid: false, permillage: 1007, displayRangeEnd: 281, validRangeEnd: 280),
    XTextWeightedCase("CJK compatibility ideograph normalises to its unified form", "\u{F900}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 0, validRangeEnd: 0),
    // Emoji (v3 discounts every sequence to 2).
    XTextWeightedCase("ZWJ family", family,
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 10, validRangeEnd: 10),
    XTextWeightedCase("Kiss: woman, heart, kiss, man", "\u{1F469}\u{200D}\u{2764}\u{FE0F}\u{200D}\u{1F48B}\u{200D}\u{1F468}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 10, validRangeEnd: 10),
    XTextWeightedCase("People holding hands with two skin tones",
                 "\u{1F9D1}\u{1F3FB}\u{200D}\u{1F91D}\u{200D}\u{1F9D1}\u{1F3FF}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 11, validRangeEnd: 11),
    XTextWeightedCase("Rainbow flag (text-default base + FE0F + ZWJ)", "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 5, validRangeEnd: 5),
    XTextWeightedCase("Pirate flag", "\u{1F3F4}\u{200D}\u{2620}\u{FE0F}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 4, validRangeEnd: 4),
    XTextWeightedCase("Flag of Japan", "\u{1F1EF}\u{1F1F5}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 3, validRangeEnd: 3),
    XTextWeightedCase("Three flags", "\u{1F1EF}\u{1F1F5}\u{1F1FA}\u{1F1F8}\u{1F1EC}\u{1F1E7}",
                 weightedLength: 6, valid: true, permillage: 21, displayRangeEnd: 11, validRangeEnd: 11),
    XTextWeightedCase("Regional indicators that are no flag count one by one", "\u{1F1E6}\u{1F1E6}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 3, validRangeEnd: 3),
    XTextWeightedCase("Scotland (tag sequence)", "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
                 weightedLength: 2, valid: true, permillage: 7, displayRangeEnd: 13, validRangeEnd: 13),
    XTextWeightedCase("Keycaps", "1\u{FE0F}\u{20E3}#\u{FE0F}\u{20E3}*\u{20E3}",
                 weightedLength: 6, valid: true, permillage: 21, displayRangeEnd: 7, validRangeEnd: 7),
    XTextWeightedCase("A digit with FE0F but no keycap is not an emoji", "1\u{FE0F}",
                 weightedLength: 3, valid: true, permillage: 10, displayRangeEnd: 1, validRangeEnd: 1),
    XTextWeightedCase("Skin tones", "\u{1F44D}\u{1F3FD}\u{1F44B}\u{1F3FB}\u{270C}\u{1F3FF}",
                 weightedLength: 6, valid: true, permillage: 21, displayRangeEnd: 10, validRangeEnd: 10),
    XTextWeightedCase("A skin tone after a non-base stands alone", "\u{1F600}\u{1F3FB}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 3, validRangeEnd: 3),
    XTextWeightedCase("Text-default emoji with FE0F", "\u{2764}\u{FE0F}\u{26A1}\u{FE0F}\u{263A}\u{FE0F}",
                 weightedLength: 6, valid: true, permillage: 21, displayRangeEnd: 5, validRangeEnd: 5),
    XTextWeightedCase("© alone is Latin-1 (1), ©️ is an emoji (2)", "\u{A9} \u{A9}\u{FE0F}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 3, validRangeEnd: 3),
    XTextWeightedCase("Emoji then Japanese", "今日は\u{1F389}ありがとう\u{1F64F}\u{1F3FB}",
                 weightedLength: 20, valid: true, permillage: 71, displayRangeEnd: 13, validRangeEnd: 13),
    // Sequences newer than twitter-text's emoji data: every port (Python, JavaScript 3.1.0, Java) counts them part by part.
    XTextWeightedCase("Emoji 15.1 family: adult, adult, child (8 as twitter-text counts it)", "\u{1F9D1}\u{200D}\u{1F9D1}\u{200D}\u{1F9D2}",
                 weightedLength: 8, valid: true, permillage: 28, displayRangeEnd: 7, validRangeEnd: 7),
    XTextWeightedCase("Emoji 14 handshake with two skin tones (9)", "\u{1FAF1}\u{1F3FB}\u{200D}\u{1FAF2}\u{1F3FF}",
                 weightedLength: 9, valid: true, permillage: 32, displayRangeEnd: 8, validRangeEnd: 8),
    XTextWeightedCase("Emoji 13.1 woman with beard (5)", "\u{1F9D4}\u{200D}\u{2640}\u{FE0F}",
                 weightedLength: 5, valid: true, permillage: 17, displayRangeEnd: 4, validRangeEnd: 4),
    XTextWeightedCase("Emoji 13.1 heart on fire (5)", "\u{2764}\u{FE0F}\u{200D}\u{1F525}",
                 weightedLength: 5, valid: true, permillage: 17, displayRangeEnd: 4, validRangeEnd: 4),
    XTextWeightedCase("Emoji 14 skin tone on handshake (4)", "\u{1F91D}\u{1F3FB}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 3, validRangeEnd: 3),
    XTextWeightedCase("FE0F after an emoji-presentation emoji counts again (4)", "\u{1F389}\u{FE0F}",
                 weightedLength: 4, valid: true, permillage: 14, displayRangeEnd: 2, validRangeEnd: 2),
    // URLs.
    XTextWeightedCase("URL right after Japanese text", kodairaSentence,
                 weightedLength: 43, valid: true, permillage: 153, displayRangeEnd: 43, validRangeEnd: 43),
    XTextWeightedCase("Bare domain right after Japanese text", "詳細はcity.kodaira.tokyo.jpまで",
                 weightedLength: 33, valid: true, permillage: 117, displayRangeEnd: 25, validRangeEnd: 25),
    XTextWeightedCase("Bare domain with an IDN TLD", "twitter.みんなです",
                 weightedLength: 27, valid: true, permillage: 96, displayRangeEnd: 12, validRangeEnd: 12),
    XTextWeightedCase("URL with and without scheme", "Visit example.com or https://example.com/a?b=c now",
                 weightedLength: 60, valid: true, permillage: 214, displayRangeEnd: 49, validRangeEnd: 49),
    XTextWeightedCase("Not a TLD: no URL", "see readme.txt",
                 weightedLength: 14, valid: true, permillage: 50, displayRangeEnd: 13, validRangeEnd: 13),
    XTextWeightedCase("t.co URL cut after the slug", "http://t.co/abc's",
                 weightedLength: 25, valid: true, permillage: 89, displayRangeEnd: 16, validRangeEnd: 16),
    // Validity.
    XTextWeightedCase("Whitespace only is not a post", "   ",
                 weightedLength: 3, valid: false, permillage: 10, displayRangeEnd: 2, validRangeEnd: 2),
    XTextWeightedCase("Ideographic space only is not a post", "\u{3000}\n",
                 weightedLength: 3, valid: false, permillage: 10, displayRangeEnd: 1, validRangeEnd: 1),
    XTextWeightedCase("U+FEFF makes a post invalid", "ok\u{FEFF}",
                 weightedLength: 4, valid: false, permillage: 14, displayRangeEnd: 2, validRangeEnd: 1),
]

// MARK: - extract.yml

let xTextURLCases: [XTextURLCase] = [
    XTextURLCase("Extract a lone URL", "http://example.com", ["http://example.com"]),
    XTextURLCase("Extract a lone unicode url", "http://ああ.com", ["http://ああ.com"]),
    XTextURLCase("Extract a lone unicode url with -", "http://あ-あ.com", ["http://あ-あ.com"]),
    XTextURLCase("Extract valid URL: http://google.com", "text http://google.com", ["http://google.com"]),
    XTextURLCase("Extract valid URL: http://foobar.com/#", "text http://foobar.com/#", ["http://foobar.com/#"]),
    XTextURLCase("Extract valid URL: http://google.com/#foo", "text http://google.com/#foo", ["http://google.com/#foo"]),
    XTextURLCase("Extract valid URL: http://google.com/#search?q=iphone%20-filter%3Alinks",
            "text http://google.com/#search?q=iphone%20-filter%3Alinks",
            ["http://google.com/#search?q=iphone%20-filter%3Alinks"]),
    XTextURLCase("Extract valid URL: http://twitter.com/#search?q=iphone%20-filter%3Alinks",
            "text http://twitter.com/#search?q=iphone%20-filter%3Alinks",
            ["http://twitter.com/#search?q=iphone%20-filter%3Alinks"]),
    XTextURLCase("Extract valid URL: http://somedomain.com/index.php?path=/abc/def/",
            "text http://somedomain.com/index.php?path=/abc/def/", ["http://somedomain.com/index.php?path=/abc/def/"]),
    XTextURLCase("Extract valid URL: http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html",
            "text http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html",
            ["http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html"]),
    XTextURLCase("Extract valid URL: http://somehost.com:3000", "text http://somehost.com:3000", ["http://somehost.com:3000"]),
    XTextURLCase("Extract valid URL: http://xo.com/~matthew+%ff-x", "text http://xo.com/~matthew+%ff-x",
            ["http://xo.com/~matthew+%ff-x"]),
    XTextURLCase("Extract valid URL: http://xo.com/~matthew+%ff-,.;x", "text http://xo.com/~matthew+%ff-,.;x",
            ["http://xo.com/~matthew+%ff-,.;x"]),
    XTextURLCase("Extract valid URL: http://xo.com/,.;x", "text http://xo.com/,.;x", ["http://xo.com/,.;x"]),
    XTextURLCase("Extract valid URL: http://en.wikipedia.org/wiki/Primer_(film)",
            "text http://en.wikipedia.org/wiki/Primer_(film)", ["http://en.wikipedia.org/wiki/Primer_(film)"]),
    XTextURLCase("Extract valid URL: http://www.ams.org/bookstore-getitem/item=mbk-59",
            "text http://www.ams.org/bookstore-getitem/item=mbk-59", ["http://www.ams.org/bookstore-getitem/item=mbk-59"]),
    XTextURLCase("Extract valid URL: http://✪df.ws/ejp", "text http://✪df.ws/ejp", ["http://✪df.ws/ejp"]),
    XTextURLCase("Extract valid URL: http://example.com/", "test http://example.comだよね.comtest/hogehoge",
            ["http://example.com"]),
    XTextURLCase("Extract valid URL: http://chilp.it/?77e8fd", "text http://chilp.it/?77e8fd", ["http://chilp.it/?77e8fd"]),
    XTextURLCase("Extract valid URL: http://x.com/oneletterdomain", "text http://x.com/oneletterdomain",
            ["http://x.com/oneletterdomain"]),
    XTextURLCase("Extract valid URL: http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
            "text http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
            ["http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx"]),
    XTextURLCase("Extract valid URL with hyphen as query ending char",
            "text https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
            ["https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-"]),
    XTextURLCase("DO NOT extract invalid URL: http://no-tld", "text http://no-tld", []),
    XTextURLCase("DO NOT extract invalid URL: http://tld-too-short.x", "text http://tld-too-short.x", []),
    XTextURLCase("DO NOT extract invalid URL with invalid preceding character: (http://twitter.com",
            "(http://twitter.com", ["http://twitter.com"]),
    XTextURLCase("Extract a very long hyphenated sub-domain URL (single letter hyphens)",
            "text http://word-and-a-number-8-ftw.domain.com/", ["http://word-and-a-number-8-ftw.domain.com/"]),
    XTextURLCase("Extract a hyphenated TLD (usually a typo)",
            "text http://domain.com-that-you-should-have-put-a-space-after", ["http://domain.com"]),
    XTextURLCase("Extract URL ending with # value", "text http://foo.com?#foo text", ["http://foo.com?#foo"]),
    XTextURLCase("Extract URLs without protocol on (com|org|edu|gov|net) domains",
            "foo.com foo.net foo.org foo.edu foo.gov", ["foo.com", "foo.net", "foo.org", "foo.edu", "foo.gov"]),
    XTextURLCase("Extract URLs without protocol not on (com|org|edu|gov|net) domains",
            "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp",
            ["foo.co.jp", "www.foo.co.uk", "foo.jp"]),
    XTextURLCase("Extract URLs without protocol on ccTLD with slash", "t.co/abcde bit.ly/abcde",
            ["t.co/abcde", "bit.ly/abcde"], indices: [[0, 10], [11, 23]]),
    XTextURLCase("Extract URLs with protocol on ccTLD domains", "http://foo.jp http://fooooo.jp",
            ["http://foo.jp", "http://fooooo.jp"]),
    XTextURLCase("Extract URLs with a - or + at the end of the path", "Go to http://example.com/a+ or http://example.com/a-",
            ["http://example.com/a+", "http://example.com/a-"]),
    XTextURLCase("Extract URLs with longer paths ending in -", "Go to http://example.com/view/slug-url-?foo=bar",
            ["http://example.com/view/slug-url-?foo=bar"]),
    XTextURLCase("Extract URLs with an en dash in the path", "Go to https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud please",
            ["https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud"]),
    XTextURLCase("Extract URLs beginning with a space", "@user Try http:// example.com/path", ["example.com/path"]),
    XTextURLCase("Extract long URL without protocol surrounded by CJK characters",
            "これは日本語です。example.com/path/index.html中国語example.com/path한국",
            ["example.com/path/index.html", "example.com/path"]),
    XTextURLCase("Extract short URL without protocol surrounded by CJK characters",
            "twitter.comこれは日本語です。example.com中国語t.co/abcde한국twitter.com example2.comテストtwitter.com/abcde",
            ["twitter.com", "example.com", "t.co/abcde", "twitter.com", "example2.com", "twitter.com/abcde"],
            indices: [[0, 11], [20, 31], [34, 44], [46, 57], [58, 70], [73, 90]]),
    XTextURLCase("Extract URLs with and without protocol surrounded by CJK characters",
            "http://twitter.com/これは日本語です。example.com中国語http://t.co/abcde한국twitter.comテストexample2.comテストhttp://twitter.com/abcde",
            ["http://twitter.com/", "example.com", "http://t.co/abcde", "twitter.com", "example2.com", "http://twitter.com/abcde"],
            indices: [[0, 19], [28, 39], [42, 59], [61, 72], [75, 87], [90, 114]]),
    XTextURLCase("Extract URLs with protocol and path containing Cyrillic characters", "Go to http://twitter.com/Русские_слова",
            ["http://twitter.com/Русские_слова"]),
    XTextURLCase("Extract non-ASCII host name URLs with protocol, but ignore host names bigger than 63 characters",
            "http://exampleこれは日本語です.com/path/index.html http://" + String(repeating: "あ", count: 300)
                + ".com/path/index.html",
            ["http://exampleこれは日本語です.com/path/index.html"]),
    XTextURLCase("Extract short URLs without protocol on ccTLD domains without path", "twitter.jp日本語it.so中国語foo.jp it.so foo.jp",
            ["twitter.jp", "it.so", "foo.jp", "it.so", "foo.jp"]),
    XTextURLCase("DO NOT extract invalid URL", "Hello http://xn--はじめよう.com/index.html", []),
    XTextURLCase("DO NOT Extract URL with domain preceeded by underscore",
            "text http://domain-dash_2314352345_dfasd.foo-cow_4352.com", []),
    XTextURLCase("Extract some (tv|co) short URLs without protocol on ccTLD domains without path",
            "MLB.tv vine.co twitch.tv t.co", ["MLB.tv", "vine.co", "twitch.tv", "t.co"]),
    XTextURLCase("Extract URLs beginning with a non-breaking space (U+00A0)", "@user Try http://\u{A0}example.com/path",
            ["example.com/path"]),
    XTextURLCase("Extract URLs with underscores and dashes in the subdomain", "test http://sub_domain-dash.twitter.com",
            ["http://sub_domain-dash.twitter.com"]),
    XTextURLCase("Extract URL with minimum number of valid characters", "test http://a.b.cd", ["http://a.b.cd"]),
    XTextURLCase("Extract URLs containing underscores and dashes", "test http://a_b.c-d.com", ["http://a_b.c-d.com"]),
    XTextURLCase("Extract URLs containing dashes in the subdomain", "test http://a-b.c.com", ["http://a-b.c.com"]),
    XTextURLCase("Extract URLs with dashes in the domain name", "test http://twitter-dash.com", ["http://twitter-dash.com"]),
    XTextURLCase("Extract URLs with lots of symbols then a period",
            "http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188",
            ["http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188"]),
    XTextURLCase("DO NOT extract URLs containing leading dashes in the subdomain", "test http://-leadingdash.twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing leading dashes in the domain with a subdomain",
            "test http://leadingdash.-twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing trailing dashes in the subdomain", "test http://trailingdash-.twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing trailing dashes in the domain with a subdomain",
            "test http://trailingdash.twitter-.com", []),
    XTextURLCase("DO NOT extract URLs containing leading underscores in the subdomain",
            "test http://_leadingunderscore.twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing leading underscores in the domain with a subdomain",
            "test http://leadingunderscore._twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing trailing underscores in the subdomain",
            "test http://trailingunderscore_.twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing trailing underscores in the domain with a subdomain",
            "test http://trailingunderscore.twitter_.com", []),
    XTextURLCase("DO NOT extract URLs containing leading dashes in the domain name", "test http://-twitter.com", []),
    XTextURLCase("DO NOT extract URLs containing trailing dashes in the domain name", "test http://twitter-.com", []),
    XTextURLCase("DO NOT extract URLs containing underscores in the domain name", "test http://twitter_underscore.com", []),
    XTextURLCase("DO NOT extract URLs containing underscores in the tld", "test http://twitter.c_o_m", []),
    XTextURLCase("Extract valid URL http://www.foo.com/foo/path-with-period./", "test http://www.foo.com/foo/path-with-period./",
            ["http://www.foo.com/foo/path-with-period./"]),
    XTextURLCase("Extract valid URL http://www.foo.org.za/foo/bar/688.1", "test http://www.foo.org.za/foo/bar/688.1",
            ["http://www.foo.org.za/foo/bar/688.1"]),
    XTextURLCase("Extract valid URL http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0",
            "test http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0",
            ["http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0"]),
    XTextURLCase("Extract valid URL http://foo.com/bar/123/foo_&_bar/", "test http://foo.com/bar/123/foo_&_bar/",
            ["http://foo.com/bar/123/foo_&_bar/"]),
    XTextURLCase("Extract valid URL http://www.cp.sc.edu/events/65", "test http://www.cp.sc.edu/events/65 test",
            ["http://www.cp.sc.edu/events/65"]),
    XTextURLCase("Extract valid URL http://www.andersondaradio.no.comunidades.net/",
            "http://www.andersondaradio.no.comunidades.net/ test test", ["http://www.andersondaradio.no.comunidades.net/"]),
    XTextURLCase("Extract valid URL ELPAÍS.com", "test ELPAÍS.com", ["ELPAÍS.com"]),
    XTextURLCase("DO NOT include period at the end of URL", "test http://twitter.com/.", ["http://twitter.com/"]),
    XTextURLCase("Extract a URL with '?' in fragment",
            "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata",
            ["http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata"]),
    XTextURLCase("Extract a URL with '?' in fragment in a text",
            "text http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata text",
            ["http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata"]),
    XTextURLCase("Extract a URL with a ton of trailing periods",
            "Test a ton of periods http://example.com/path..........................................",
            ["http://example.com/path"]),
    XTextURLCase("Extract a URL with a ton of trailing commas",
            "Test a ton of periods http://example.com/,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", ["http://example.com/"]),
    XTextURLCase("Extract a URL with a ton of trailing '!'",
            "Test a ton of periods http://example.com/path/!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            ["http://example.com/path/"]),
    XTextURLCase("DO NOT extract URLs in hashtag or @mention",
            "#test.com @test.com #http://test.com @http://test.com #t.co/abcde @t.co/abcde", []),
    XTextURLCase("Extract a t.co URL with a trailing apostrophe", "I really like http://t.co/pbY2NfTZ's website",
            ["http://t.co/pbY2NfTZ"]),
    XTextURLCase("Extract a t.co URL with a trailing hyphen", "Check this site out http://t.co/FNkPfmii- it's great",
            ["http://t.co/FNkPfmii"]),
    XTextURLCase("Extract a t.co URL with a trailing colon", "According to http://t.co/ulYGBYSo: the internet is cool",
            ["http://t.co/ulYGBYSo"]),
    XTextURLCase("Extract a t.co URL with a long path", "I really like http://t.co/abcdefghijklmnopqrstuvwxyz0123456789",
            ["http://t.co/abcdefghijklmnopqrstuvwxyz0123456789"]),
    XTextURLCase("DO NOT extract URLs with > 40 characters in a t.co slug",
            "I really like http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234", []),
    XTextURLCase("Extract domain followed by Japanese characters", "example.comてすとですtwitter.みんなです",
            ["example.com", "twitter.みんな"]),
    XTextURLCase("Extract URL before newline",
            "http://twitter.com\nhttp://example.com\nhttp://example.com/path\nexample.com/path\nit.so\nit.so/abcde",
            ["http://twitter.com", "http://example.com", "http://example.com/path", "example.com/path", "it.so", "it.so/abcde"]),
    XTextURLCase("DO NOT extract URL if preceded by $",
            "$http://twitter.com $twitter.com $http://t.co/abcde $t.co/abcde $t.co $TVI.CA $RBS.CA", []),
    XTextURLCase("DO NOT extract .bz2 file name as URL", "long.test.tar.bz2 test.tar.bz2 tar.bz2", []),
    XTextURLCase("DO NOT extract URL with gTLD followed by @ sign", "john.doe.gov@mail.com", []),
    XTextURLCase("DO NOT extract URL with ccTLD followed by @ sign", "john.doe.jp@mail.com", []),
    // urls_with_indices
    XTextURLCase("Extract a URL", "text http://google.com", ["http://google.com"], indices: [[5, 22]]),
    XTextURLCase("Extract a URL from a Japanese tweet", "皆さん見てください！ http://google.com", ["http://google.com"],
            indices: [[11, 28]]),
    XTextURLCase("Extract t.co URLs skipping trailing characters and adjusting indices correctly",
            "http://t.co/pbY2NfTZ's http://t.co/2vYHpAc5; http://t.co/ulYGBYSo: http://t.co/8MkmHU0k+c http://t.co/TKLp64dY.x http://t.co/8t7G3ddS#a http://t.co/FNkPfmii-",
            ["http://t.co/pbY2NfTZ", "http://t.co/2vYHpAc5", "http://t.co/ulYGBYSo", "http://t.co/8MkmHU0k",
             "http://t.co/TKLp64dY", "http://t.co/8t7G3ddS", "http://t.co/FNkPfmii"],
            indices: [[0, 20], [23, 43], [45, 65], [67, 87], [90, 110], [113, 133], [136, 156]]),
    XTextURLCase("Properly extract URL that contains t.co in referer",
            "http://www.foo.com?referer=https://t.co/abcde http://t.co/xyzzy",
            ["http://www.foo.com?referer=https://t.co/abcde", "http://t.co/xyzzy"], indices: [[0, 45], [46, 63]]),
    XTextURLCase("Extract correct indices for duplicate instances of the same URL", "http://t.co http://t.co",
            ["http://t.co", "http://t.co"], indices: [[0, 11], [12, 23]]),
    XTextURLCase("Extract I18N URL", "test http://xn--ls8h.XN--ls8h.la/", ["http://xn--ls8h.XN--ls8h.la/"], indices: [[5, 33]]),
    XTextURLCase("Extract URLs with IDN(not encoded)", "test http://foobar.みんな/ http://foobar.中国/ http://foobar.پاکستان/ ",
            ["http://foobar.みんな/", "http://foobar.中国/", "http://foobar.پاکستان/"],
            indices: [[5, 23], [24, 41], [42, 64]]),
    // urls_with_directional_markers
    XTextURLCase("Extract URLs from RTL text",
            "\u{2066}\u{202A}test abcdef.com پاکستان http://twitter.com/\u{202C}\u{2069}",
            ["abcdef.com", "http://twitter.com/"], indices: [[7, 17], [26, 45]]),
    XTextURLCase("Extract URLs from RTL text with embedded directional marks",
            "This is a test \u{2066}\u{202A}twitter.com\u{202C}\u{2069} \u{2066}\u{202A}http://foobar.پاکستان/\u{202C}\u{2069} قطر فلسطين عمان",
            ["twitter.com", "http://foobar.پاکستان/"], indices: [[17, 28], [33, 55]]),
    // tco_urls_with_params
    XTextURLCase("Extract valid URL with params: https://t.co/UqIyJAJTfo?amp=1", "text https://t.co/UqIyJAJTfo?amp=1",
            ["https://t.co/UqIyJAJTfo?amp=1"]),
    XTextURLCase("Extract valid URL with params: https://t.co/UqIyJAJTfo?type=js", "text https://t.co/UqIyJAJTfo?type=js",
            ["https://t.co/UqIyJAJTfo?type=js"]),
    XTextURLCase("Extract valid URL with params: https://t.co/UqIyJAJTfo?ssr=true", "text https://t.co/UqIyJAJTfo?ssr=true",
            ["https://t.co/UqIyJAJTfo?ssr=true"]),
    XTextURLCase("Extract a valid URL with params: https://t.co/asdfdf?a=b#123", "text https://t.co/asdfdf?a=b#123",
            ["https://t.co/asdfdf?a=b#123"]),
    XTextURLCase("Extract a valid URL with params: https://t.co/sadfasdf?a=b&c=d", "text https://t.co/sadfasdf?a=b&c=d",
            ["https://t.co/sadfasdf?a=b&c=d"]),
]

let xTextKohoURLCases: [XTextURLCase] = [
    XTextURLCase("URL right after Japanese text", kodairaSentence, ["https://www.city.kodaira.tokyo.jp/"], indices: [[3, 37]]),
    XTextURLCase("Bare domain right after Japanese text", "詳細はwww.city.kodaira.tokyo.jpをご覧ください",
            ["www.city.kodaira.tokyo.jp"], indices: [[3, 28]]),
    XTextURLCase("URLs in hashtag-like fragments stay URLs", "http://twitter.com/#hashtag twitter.com/#hashtag",
            ["http://twitter.com/#hashtag", "twitter.com/#hashtag"]),
    XTextURLCase("Uppercase scheme and host", "HTTPS://WWW.EXAMPLE.COM/Index.html", ["HTTPS://WWW.EXAMPLE.COM/Index.html"]),
    XTextURLCase("Bare domain with port keeps only the domain", "example.com:8080 ok", ["example.com"]),
    XTextURLCase("Indices are UTF-16 offsets of the input", "\u{1F600}example.com", ["example.com"], indices: [[2, 13]]),
]

// MARK: - Tests

@Suite("XTextCounter (twitter-text v3 weighted length)")
struct XTextCounterTests {
    @Test("validate.yml WeightedTweetsCounterTest (v2, no emoji parsing)", arguments: xTextWeightedTweetsCounterCases)
    func weightedTweetsCounter(_ c: XTextWeightedCase) {
        #expect(XTextCounter.parse(c.text, configuration: .v2) == c.expected)
    }

    @Test("validate.yml WeightedTweetsWithDiscountedEmojiCounterTest (v3)", arguments: xTextDiscountedEmojiCases)
    func weightedTweetsWithDiscountedEmoji(_ c: XTextWeightedCase) {
        #expect(XTextCounter.parse(c.text) == c.expected)
        #expect(XTextCounter.weightedLength(c.text) == c.weightedLength)
    }

    @Test("validate.yml UnicodeDirectionalMarkerCounterTest (v3)", arguments: xTextDirectionalMarkerCases)
    func unicodeDirectionalMarkers(_ c: XTextWeightedCase) {
        #expect(XTextCounter.parse(c.text) == c.expected)
    }

    @Test("Koho cases: 280 edge, Japanese, normalisation, emoji, URLs, validity", arguments: xTextKohoCases)
    func kohoCase(_ c: XTextWeightedCase) {
        #expect(XTextCounter.parse(c.text) == c.expected)
    }

    @Test("extract.yml URL cases", arguments: xTextURLCases + xTextKohoURLCases)
    func extractURLs(_ c: XTextURLCase) {
        let ranges = XTextCounter.extractURLs(c.text)
        #expect(ranges.map { String(c.text[$0]) } == c.urls)
        if let indices = c.indices {
            let found = ranges.map { r in
                [c.text.utf16.distance(from: c.text.startIndex, to: r.lowerBound),
                 c.text.utf16.distance(from: c.text.startIndex, to: r.upperBound)]
            }
            #expect(found == indices)
        }
    }

    @Test("tlds.yml: every TLD is recognised, with and without scheme")
    func everyTLD() {
        #expect(XTopLevelDomains.generic.count == 1259)
        #expect(XTopLevelDomains.country.count == 315)
        #expect(XTopLevelDomains.all.count == 1259 + 315)
        for tld in XTopLevelDomains.generic + XTopLevelDomains.country {
            let withScheme = "https://twitter." + tld
            #expect(XTextCounter.extractURLs(withScheme).map { String(withScheme[$0]) } == [withScheme], "\(tld)")
            let bare = "see twitter." + tld + " now"
            #expect(XTextCounter.extractURLs(bare).map { String(bare[$0]) } == ["twitter." + tld], "\(tld)")
            #expect(XTextCounter.weightedLength(withScheme) == 23, "\(tld)")
        }
    }

    @Test("not a TLD, not a URL")
    func unknownTLD() {
        for text in ["twitter.invalidtld", "foo.baz", "http://foo.bar2", "example.c", "a.b", "john.doe.gov@mail.com"] {
            #expect(XTextCounter.extractURLs(text).isEmpty, "\(text)")
        }
    }

    @Test("empty text")
    func empty() {
        #expect(XTextCounter.parse("") == XTextParseResult(weightedLength: 0, isValid: false, permillage: 0,
                                                           validRange: 0..<0, displayRange: 0..<0))
        #expect(XTextCounter.weightedLength("") == 0)
    }

    @Test("configuration values are those of config/v3.json")
    func configuration() {
        let v3 = XTextConfiguration.v3
        #expect(v3.maxWeightedLength == 280)
        #expect(v3.scale == 100)
        #expect(v3.defaultWeight == 200)
        #expect(v3.transformedURLLength == 23)
        #expect(v3.emojiParsingEnabled)
        #expect(v3.ranges.map(\.range) == [0x0000...0x10FF, 0x2000...0x200D, 0x2010...0x201F, 0x2032...0x2037])
        #expect(v3.ranges.allSatisfy { $0.weight == 100 })
        #expect(!XTextConfiguration.v2.emojiParsingEnabled)
    }

    @Test("a custom configuration (Mastodon-like 500, every code point 1)")
    func customConfiguration() {
        let config = XTextConfiguration(maxWeightedLength: 500, scale: 1, defaultWeight: 1, ranges: [],
                                        transformedURLLength: 23, emojiParsingEnabled: false)
        let result = XTextCounter.parse("日本語 https://example.com", configuration: config)
        #expect(result.weightedLength == 27)
        #expect(result.permillage == 54)
        #expect(result.isValid)
    }

    @Test("long Japanese text stays linear and exact")
    func longJapanese() {
        let paragraph = "小平市からのお知らせです。詳細はhttps://www.city.kodaira.tokyo.jp/をご覧ください。"
        let text = String(repeating: paragraph, count: 2_000)
        // 24 full-width characters + 23 for the URL, per paragraph.
        #expect(XTextCounter.weightedLength(text) == 2_000 * (2 * 24 + 23))
        #expect(XTextCounter.extractURLs(text).count == 2_000)
    }
}
