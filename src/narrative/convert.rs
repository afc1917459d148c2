//! Markdown to the narrative tree: pulldown-cmark's events (GitHub tables, footnotes and
//! strikethrough) folded into [`Block`]s and [`Inline`]s with an explicit stack, so no input can
//! recurse deeply; figures replaced in text (never in code); images checked and read; raw HTML
//! kept as text, HTML comments (the guidance) dropped; nesting and block sizes limited.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeWithOffset};

use super::error::{Lines, Reason};
use super::figures::{self, Figures, Piece};
use super::finish;
use super::frames::{Container, Frame, Reference, Span, Stop, limit_size};
use super::images::{self, Image};
use super::limits;
use super::tree::{Align, Block, Inline, plain};

/// What converting one Markdown text gave: its blocks, the images it shows (each once), and
/// every problem with its 1-based line. A problem that stops the conversion (too deep, too
/// long) is the last one and leaves the blocks incomplete.
#[derive(Debug, Default)]
pub struct Converted {
    pub blocks: Vec<Block>,
    pub images: Vec<Image>,
    pub problems: Vec<(usize, Reason)>,
}

/// Converts `text`, which starts at byte `base` of a file whose lines are `lines`; images are
/// read relative to `dir`.
pub fn convert(text: &str, base: usize, lines: &Lines, dir: &Path, figures: &Figures) -> Converted {
    let mut b = Builder {
        stack: vec![Frame::Blocks(Container::Root, Vec::new())],
        block_depth: 0,
        inline_depth: 0,
        in_definition: 0,
        definitions: HashMap::new(),
        references: Vec::new(),
        out: Converted::default(),
        base,
        lines,
        dir,
        figures,
    };
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let events = TextMergeWithOffset::new(Parser::new_ext(text, options).into_offset_iter());
    for (event, range) in events {
        if let Err(stop) = b.event(event, range) {
            b.problem(stop.at, stop.reason);
            return b.out;
        }
    }
    if let Err(stop) = b.close_implicit() {
        b.problem(stop.at, stop.reason);
        return b.out;
    }
    let Some(Frame::Blocks(_, mut blocks)) = b.stack.pop() else {
        unreachable!("pulldown-cmark's events are balanced, so only the root is left")
    };
    for r in std::mem::take(&mut b.references) {
        if let Some(definition) = b.definitions.get(&r.label) {
            // The definition is printed where it is referenced, so its nesting adds to the
            // nesting there; the footnote itself is one level.
            let (blocks, inlines) = finish::depth(definition);
            if r.block_depth + 1 + blocks > limits::MAX_BLOCK_DEPTH
                || r.inline_depth + inlines > limits::MAX_INLINE_DEPTH
            {
                b.problem(r.at, Reason::FootnoteTooDeep { label: r.label });
            }
        }
    }
    finish::fill_footnotes(&mut blocks, &b.definitions);
    finish::consecutive_headings(&mut blocks, &mut 0);
    b.out.blocks = blocks;
    b.out
}

struct Builder<'a> {
    stack: Vec<Frame>,
    block_depth: usize,
    inline_depth: usize,
    /// Inside a footnote definition: a footnote reference there prints as text.
    in_definition: usize,
    definitions: HashMap<String, Vec<Block>>,
    references: Vec<Reference>,
    out: Converted,
    base: usize,
    lines: &'a Lines,
    dir: &'a Path,
    figures: &'a Figures,
}

impl Builder<'_> {
    fn line(&self, offset: usize) -> usize {
        self.lines.line(self.base + offset)
    }

    fn problem(&mut self, at: usize, reason: Reason) {
        let line = self.line(at);
        self.out.problems.push((line, reason));
    }

    fn top(&mut self) -> &mut Frame {
        self.stack
            .last_mut()
            .expect("the root frame is never popped early")
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) -> Result<(), Stop> {
        if let Some(Frame::Image { alt, nested, .. }) = self.stack.last_mut() {
            // Inside an image everything is alt text.
            match event {
                Event::Start(_) => *nested += 1,
                Event::End(TagEnd::Image) if *nested == 0 => return self.end_image(),
                Event::End(_) => *nested -= 1,
                Event::Text(s) | Event::Code(s) => alt.push_str(&s),
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
            return Ok(());
        }
        match event {
            Event::Start(tag) => self.start(tag, range.start),
            Event::End(end) => self.end(end),
            Event::Text(s) => {
                if let Some(Frame::Code { s: code, .. } | Frame::Html { s: code, .. }) =
                    self.stack.last_mut()
                {
                    code.push_str(&s);
                } else {
                    self.text(&s, range);
                }
                Ok(())
            }
            Event::Code(s) => {
                self.inline(Inline::Code { s: s.into_string() }, range.start);
                Ok(())
            }
            Event::Html(s) => {
                if let Some(Frame::Html { s: html, .. }) = self.stack.last_mut() {
                    html.push_str(&s);
                }
                Ok(())
            }
            Event::InlineHtml(s) => {
                // A comment is guidance for the writer; any other tag prints as text.
                if !s.starts_with("<!--") {
                    self.inline(Inline::Text { s: s.into_string() }, range.start);
                }
                Ok(())
            }
            Event::FootnoteReference(label) => {
                let node = if self.in_definition > 0 {
                    Inline::Text {
                        s: format!("[^{label}]"),
                    }
                } else {
                    self.references.push(Reference {
                        label: label.to_string(),
                        block_depth: self.block_depth,
                        inline_depth: self.inline_depth,
                        at: range.start,
                    });
                    Inline::Footnote {
                        label: label.into_string(),
                        c: Vec::new(),
                    }
                };
                self.inline(node, range.start);
                Ok(())
            }
            Event::SoftBreak => {
                self.inline(Inline::Text { s: " ".into() }, range.start);
                Ok(())
            }
            Event::HardBreak => {
                self.inline(Inline::Break, range.start);
                Ok(())
            }
            Event::Rule => {
                self.close_implicit()?;
                self.block(Block::Rule);
                Ok(())
            }
            // Not enabled: math, task lists. Their text prints as text.
            Event::InlineMath(s) | Event::DisplayMath(s) => {
                self.inline(Inline::Text { s: s.into_string() }, range.start);
                Ok(())
            }
            Event::TaskListMarker(_) => Ok(()),
        }
    }

    fn start(&mut self, tag: Tag<'_>, at: usize) -> Result<(), Stop> {
        let is_inline = matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Superscript
                | Tag::Subscript
        );
        if is_inline {
            self.open_implicit(at);
        } else if !matches!(tag, Tag::TableHead | Tag::TableRow | Tag::TableCell) {
            self.close_implicit()?;
        }
        let frame = match tag {
            Tag::Paragraph => Frame::Para {
                c: Vec::new(),
                implicit: false,
                at,
            },
            Tag::Heading { level, .. } => Frame::Heading {
                level: level as u8,
                c: Vec::new(),
                at,
            },
            Tag::BlockQuote(_) => {
                self.deeper(at)?;
                Frame::Blocks(Container::Quote, Vec::new())
            }
            Tag::List(start) => {
                self.deeper(at)?;
                Frame::List {
                    ordered: start.is_some(),
                    start: start.unwrap_or(1),
                    loose: false,
                    items: Vec::new(),
                }
            }
            Tag::Item => Frame::Blocks(Container::Item { loose: false }, Vec::new()),
            Tag::FootnoteDefinition(label) => {
                self.deeper(at)?;
                self.in_definition += 1;
                Frame::Blocks(Container::Definition(label.into_string()), Vec::new())
            }
            Tag::CodeBlock(_) => Frame::Code {
                s: String::new(),
                at,
            },
            Tag::HtmlBlock => Frame::Html {
                s: String::new(),
                at,
            },
            Tag::Table(align) => Frame::Table {
                align: align
                    .into_iter()
                    .map(|a| match a {
                        pulldown_cmark::Alignment::Center => Align::Center,
                        pulldown_cmark::Alignment::Right => Align::Right,
                        _ => Align::Left,
                    })
                    .collect(),
                header: Vec::new(),
                rows: Vec::new(),
            },
            Tag::TableHead => Frame::Row {
                head: true,
                cells: Vec::new(),
            },
            Tag::TableRow => Frame::Row {
                head: false,
                cells: Vec::new(),
            },
            Tag::TableCell => Frame::Cell { c: Vec::new(), at },
            Tag::Emphasis | Tag::Superscript | Tag::Subscript => {
                self.deeper_inline(at)?;
                Frame::Span(Span::Emph, Vec::new())
            }
            Tag::Strong => {
                self.deeper_inline(at)?;
                Frame::Span(Span::Strong, Vec::new())
            }
            Tag::Strikethrough => {
                self.deeper_inline(at)?;
                Frame::Span(Span::Strike, Vec::new())
            }
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                self.deeper_inline(at)?;
                let (url, show) = if link_type == LinkType::Email {
                    (format!("mailto:{dest_url}"), dest_url.to_string())
                } else {
                    let show = dest_url.strip_prefix("mailto:").unwrap_or(&dest_url);
                    (dest_url.to_string(), show.to_owned())
                };
                if !is_web_address(&url) {
                    self.problem(at, Reason::LinkNotWeb { url: url.clone() });
                }
                Frame::Span(Span::Link { url, show }, Vec::new())
            }
            Tag::Image {
                dest_url, title, ..
            } => Frame::Image {
                dest: dest_url.into_string(),
                title: title.into_string(),
                alt: String::new(),
                nested: 0,
                at,
            },
            // Not enabled: definition lists and metadata blocks; their text lands in the
            // enclosing block.
            Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => Frame::Blocks(Container::Other, Vec::new()),
        };
        self.stack.push(frame);
        Ok(())
    }

    fn deeper(&mut self, at: usize) -> Result<(), Stop> {
        if self.block_depth >= limits::MAX_BLOCK_DEPTH {
            return Err(Stop {
                at,
                reason: Reason::TooDeep,
            });
        }
        self.block_depth += 1;
        Ok(())
    }

    fn deeper_inline(&mut self, at: usize) -> Result<(), Stop> {
        if self.inline_depth >= limits::MAX_INLINE_DEPTH {
            return Err(Stop {
                at,
                reason: Reason::InlineTooDeep,
            });
        }
        self.inline_depth += 1;
        Ok(())
    }

    fn end(&mut self, end: TagEnd) -> Result<(), Stop> {
        if end != TagEnd::Paragraph {
            self.close_implicit()?;
        }
        let frame = self.stack.pop().expect("events are balanced");
        match frame {
            Frame::Blocks(container, blocks) => match container {
                Container::Root => unreachable!("the root has no end event"),
                Container::Quote => {
                    self.block_depth -= 1;
                    self.block(Block::Quote { c: blocks });
                }
                Container::Item { loose } => {
                    if let Frame::List {
                        items, loose: l, ..
                    } = self.top()
                    {
                        items.push(blocks);
                        *l |= loose;
                    }
                }
                Container::Definition(label) => {
                    self.block_depth -= 1;
                    self.in_definition -= 1;
                    self.definitions.entry(label).or_insert(blocks);
                }
                Container::Other => {
                    for block in blocks {
                        self.block(block);
                    }
                }
            },
            Frame::List {
                ordered,
                start,
                loose,
                items,
            } => {
                self.block_depth -= 1;
                self.block(Block::List {
                    ordered,
                    start,
                    tight: !loose,
                    items,
                });
            }
            Frame::Para { c, implicit, at } => self.end_para(c, implicit, at)?,
            Frame::Heading { level, c, at } => {
                limit_size("heading", plain(&c).chars().count(), at)?;
                self.block(Block::Heading { level, c });
            }
            Frame::Table {
                align,
                header,
                rows,
            } => {
                let width = align.len();
                let fit = |mut cells: Vec<Vec<Inline>>| {
                    cells.resize(width, Vec::new());
                    cells
                };
                self.block(Block::Table {
                    header: fit(header),
                    rows: rows.into_iter().map(fit).collect(),
                    align,
                });
            }
            Frame::Row { head, cells } => {
                if let Frame::Table { header, rows, .. } = self.top() {
                    if head {
                        *header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
            }
            Frame::Cell { c, at } => {
                limit_size("table cell", plain(&c).chars().count(), at)?;
                if let Frame::Row { cells, .. } = self.top() {
                    cells.push(c);
                }
            }
            Frame::Span(span, c) => {
                self.inline_depth -= 1;
                let node = match span {
                    Span::Emph => Inline::Emph { c },
                    Span::Strong => Inline::Strong { c },
                    Span::Strike => Inline::Strike { c },
                    Span::Link { url, show } => {
                        // An address already written as the link's text is not repeated.
                        let show = Some(show).filter(|s| *s != plain(&c));
                        Inline::Link { c, url, show }
                    }
                };
                self.push_inline(node);
            }
            Frame::Image { .. } => unreachable!("an image ends in end_image"),
            Frame::Code { s, at } => {
                limit_size("code block", s.chars().count(), at)?;
                let s = s.strip_suffix('\n').map(str::to_owned).unwrap_or(s);
                self.block(Block::CodeBlock { s });
            }
            Frame::Html { s, at } => {
                let text = strip_comments(&s);
                let text = text.trim();
                if !text.is_empty() {
                    limit_size("paragraph", text.chars().count(), at)?;
                    let mut c = Vec::new();
                    for (i, line) in text.lines().enumerate() {
                        if i > 0 {
                            c.push(Inline::Break);
                        }
                        c.push(Inline::Text { s: line.to_owned() });
                    }
                    self.block(Block::Paragraph { c });
                }
            }
        }
        Ok(())
    }

    fn end_para(&mut self, c: Vec<Inline>, implicit: bool, at: usize) -> Result<(), Stop> {
        limit_size("paragraph", plain(&c).chars().count(), at)?;
        let blank = c
            .iter()
            .all(|i| matches!(i, Inline::Text { s } if s.trim().is_empty()));
        if !implicit
            && let Some(Frame::Blocks(Container::Item { loose }, _)) = self.stack.last_mut()
        {
            *loose = true;
        }
        if !blank {
            self.block(Block::Paragraph { c });
        }
        Ok(())
    }

    fn end_image(&mut self) -> Result<(), Stop> {
        let Some(Frame::Image {
            dest,
            title,
            alt,
            at,
            ..
        }) = self.stack.pop()
        else {
            unreachable!("called with an image on top")
        };
        let alt = self.fill(alt.trim(), at);
        if alt.is_empty() {
            self.problem(at, Reason::ImageWithoutAlt { path: dest });
            return Ok(());
        }
        match images::load(self.dir, &dest) {
            Ok(image) => {
                let path = image.virtual_path.clone();
                if !self.out.images.iter().any(|i| i.virtual_path == path) {
                    self.out.images.push(image);
                }
                let caption = Some(self.fill(title.trim(), at)).filter(|t| !t.is_empty());
                self.push_inline(Inline::Image { path, alt, caption });
            }
            Err(reason) => self.problem(at, reason),
        }
        Ok(())
    }

    /// `text` with its figures replaced, each unknown one a problem at `at`'s line.
    fn fill(&mut self, text: &str, at: usize) -> String {
        let (filled, problems) = figures::fill(text, self.figures);
        for (_, reason) in problems {
            self.problem(at, reason);
        }
        filled
    }

    fn text(&mut self, s: &str, range: Range<usize>) {
        let (pieces, problems) = figures::split(s, self.figures);
        for (offset, reason) in problems {
            // Offsets in the text match the source unless escapes shortened it.
            self.problem(range.start + offset.min(range.len()), reason);
        }
        for piece in pieces {
            let node = match piece {
                Piece::Text(t) => Inline::Text { s: t.to_owned() },
                Piece::Figure { name, value } => Inline::Figure { name, value },
            };
            self.inline(node, range.start);
        }
    }

    /// Adds inline content, opening a paragraph for it when it sits directly in a block
    /// container (a tight list item).
    fn inline(&mut self, node: Inline, at: usize) {
        self.open_implicit(at);
        self.push_inline(node);
    }

    fn push_inline(&mut self, node: Inline) {
        let target = match self.top() {
            Frame::Para { c, .. }
            | Frame::Heading { c, .. }
            | Frame::Cell { c, .. }
            | Frame::Span(_, c) => c,
            // Text directly in a table row or list (not produced by the parser): dropped.
            _ => return,
        };
        if let (Some(Inline::Text { s: last }), Inline::Text { s }) = (target.last_mut(), &node) {
            last.push_str(s);
        } else {
            target.push(node);
        }
    }

    fn open_implicit(&mut self, at: usize) {
        if matches!(self.top(), Frame::Blocks(..)) {
            self.stack.push(Frame::Para {
                c: Vec::new(),
                implicit: true,
                at,
            });
        }
    }

    fn close_implicit(&mut self) -> Result<(), Stop> {
        if let Some(Frame::Para { implicit: true, .. }) = self.stack.last()
            && let Some(Frame::Para { c, at, .. }) = self.stack.pop()
        {
            self.end_para(c, true, at)?;
        }
        Ok(())
    }

    fn block(&mut self, block: Block) {
        if let Frame::Blocks(_, blocks) = self.top() {
            blocks.push(block);
        }
    }
}

/// Links a printed report can show: web and email addresses.
fn is_web_address(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len())
}

/// HTML with its comments (`<!-- ... -->`, or an unclosed one to the end) taken out.
fn strip_comments(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i + 4..].find("-->") {
            Some(j) => rest = &rest[i + 4 + j + 3..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}
