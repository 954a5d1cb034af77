import Testing

@testable import MamiGateway

/// HTML pages read as text for retrieval: what a reader sees, with the page's headings as Markdown headings.
@Suite struct HTMLTextTests {
    @Test func scriptsStylesCommentsAndTheHeadAreDropped() {
        let page = HTMLText("""
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Tea &amp; Co</title>
            <style>body { color: red } p > a { }</style><script>var secret = "<p>hidden</p>";</script></head>
            <body><!-- a comment <p>not text</p> --><p>Visible text.</p><noscript>enable js</noscript>
            <template><p>later</p></template><SCRIPT type="module">alsoHidden()</SCRIPT></body></html>
            """)
        #expect(page.title == "Tea & Co")
        #expect(page.text == "Visible text.")
    }

    @Test func headingsBecomeMarkdownHeadingsAndBlocksBecomeBreaks() {
        let page = HTMLText("""
            <h1 class="top">Brewing   <em>guide</em></h1><p>Warm the pot.</p><p>Add leaves.<br>Wait.</p>
            <h2>Cups</h2><ul><li>one</li><li>two</li></ul><div>After<div>nested</div></div><h3></h3>
            <table><tr><td>a</td><td>b</td></tr></table>
            """)
        #expect(page.text == """
            # Brewing guide

            Warm the pot.

            Add leaves.
            Wait.

            ## Cups

            one
            two

            After

            nested

            a b
            """)
        #expect(page.title == nil)
    }

    @Test func entitiesAreDecodedAndUnknownOnesKept() {
        let page = HTMLText("<p>5 &lt; 6 &gt; 4 &quot;q&quot; &#39;s&apos; a&nbsp;b &#233;t&#xE9; &#x1F375; &copy; &amp;amp; & &#0; &#xZZ;</p>")
        #expect(page.text == "5 < 6 > 4 \"q\" 's' a b été 🍵 &copy; &amp; & \u{FFFD} &#xZZ;")
    }

    @Test func attributesWithAngleBracketsAndStrayLessThanSignsAreHandled() {
        let page = HTMLText(#"<p title="a > b" data-x='<p>'>kept</p> 3 < 4 <3 and a<b>bold</b>"#)
        #expect(page.text == "kept\n\n3 < 4 <3 and abold")
    }
}
