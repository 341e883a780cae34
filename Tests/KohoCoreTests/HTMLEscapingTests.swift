import Testing
@testable import KohoCore

@Test func htmlEscapingCoversTextAndQuotedAttributes() {
    #expect(HTMLEscaping.escape(#"<script>alert("x") & 'y'</script>小平"#)
            == "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;小平")
    #expect(HTMLEscaping.escape("") == "")
}
