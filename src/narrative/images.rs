//! Images beside the Markdown: a path must stay inside the narrative folder (no `..`, absolute
//! path, web address or symbolic link out of it), the file must be a PNG, JPEG or SVG whose
//! bytes are what its name says, and an SVG may not refer to other files. The bytes are handed
//! to the caller, which serves them to Typst at `/narrative/<path>`.

use std::path::{Component, Path, PathBuf};

use super::error::Reason;
use super::limits;

/// Where images appear inside the Typst World: `/narrative/partnership.svg`.
pub const VIRTUAL_DIR: &str = "narrative";

/// An image file of the narrative, ready for the Typst World.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Its path inside the World, `/narrative/partnership.svg` (what the tree's image nodes
    /// name).
    pub virtual_path: String,
    /// Its path relative to the narrative folder, with `/` separators: `partnership.svg`.
    pub relative: String,
    pub bytes: Vec<u8>,
}

/// Checks an image reference and reads the file it names, relative to `dir`.
pub fn load(dir: &Path, dest: &str) -> Result<Image, Reason> {
    let relative = relative_path(dest)?;
    let outside = || Reason::ImageOutside {
        path: dest.to_owned(),
    };
    let file = dir.join(&relative);
    let unreadable = |e: std::io::Error| Reason::ImageUnreadable {
        path: dest.to_owned(),
        reason: e.to_string(),
    };
    // A symbolic link could still lead out of the folder: compare the real paths.
    let real_dir = dir.canonicalize().map_err(unreadable)?;
    let real_file = file.canonicalize().map_err(unreadable)?;
    if !real_file.starts_with(&real_dir) {
        return Err(outside());
    }
    let kind = Kind::of(&relative).ok_or_else(|| Reason::ImageType {
        path: dest.to_owned(),
    })?;
    let size = std::fs::metadata(&real_file).map_err(unreadable)?.len();
    if size > limits::MAX_IMAGE_BYTES {
        return Err(Reason::ImageTooLarge {
            path: dest.to_owned(),
            bytes: size,
        });
    }
    let bytes = std::fs::read(&real_file).map_err(unreadable)?;
    kind.check(dest, &bytes)?;
    let relative = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Image {
        virtual_path: format!("/{VIRTUAL_DIR}/{relative}"),
        relative,
        bytes,
    })
}

/// The path an image reference names inside the folder, or why it leaves the folder.
fn relative_path(dest: &str) -> Result<PathBuf, Reason> {
    let outside = || Reason::ImageOutside {
        path: dest.to_owned(),
    };
    let decoded = percent_decode(dest).ok_or_else(outside)?;
    if has_scheme(&decoded) || decoded.starts_with(['/', '\\']) || decoded.contains('\0') {
        return Err(outside());
    }
    let mut relative = PathBuf::new();
    for part in decoded.split(['/', '\\']) {
        match Path::new(part).components().next() {
            None => {}
            Some(Component::CurDir) => {}
            Some(Component::Normal(_)) if Path::new(part).components().count() == 1 => {
                relative.push(part)
            }
            _ => return Err(outside()),
        }
    }
    if relative.as_os_str().is_empty() {
        return Err(Reason::ImageUnreadable {
            path: dest.to_owned(),
            reason: "the image has no file name".to_owned(),
        });
    }
    Ok(relative)
}

/// `https:`, `file:`, `data:`, `C:`: anything that is not a plain relative path.
fn has_scheme(path: &str) -> bool {
    match path.find(':') {
        Some(i) => {
            let scheme = &path[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `my%20diagram.png` as `my diagram.png`; `None` for an escape that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Png,
    Jpeg,
    Svg,
}

impl Kind {
    fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Kind::Png),
            "jpg" | "jpeg" => Some(Kind::Jpeg),
            "svg" => Some(Kind::Svg),
            _ => None,
        }
    }

    fn check(self, dest: &str, bytes: &[u8]) -> Result<(), Reason> {
        let wrong = |expected| Reason::ImageContent {
            path: dest.to_owned(),
            expected,
        };
        match self {
            Kind::Png if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => Ok(()),
            Kind::Png => Err(wrong("PNG")),
            Kind::Jpeg if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => Ok(()),
            Kind::Jpeg => Err(wrong("JPEG")),
            Kind::Svg => {
                let text = std::str::from_utf8(bytes).map_err(|_| wrong("SVG"))?;
                let text = text.trim_start_matches('\u{feff}').trim_start();
                if !text.starts_with('<') || !text.contains("<svg") {
                    return Err(wrong("SVG"));
                }
                match external_reference(text) {
                    Some(href) => Err(Reason::SvgExternal {
                        path: dest.to_owned(),
                        href,
                    }),
                    None => Ok(()),
                }
            }
        }
    }
}

/// The first reference in an SVG to something other than itself or inline data: an `href`
/// (or `xlink:href`) attribute or a CSS `url(...)` not starting with `#` or `data:`.
fn external_reference(svg: &str) -> Option<String> {
    let internal = |v: &str| {
        let v = v.trim();
        v.is_empty() || v.starts_with('#') || v.starts_with("data:")
    };
    let mut rest = svg;
    while let Some(i) = rest.find("href") {
        let after = rest[i + 4..].trim_start();
        rest = &rest[i + 4..];
        let Some(after) = after.strip_prefix('=') else {
            continue;
        };
        let after = after.trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let value = &after[1..];
        let value = &value[..value.find(quote).unwrap_or(value.len())];
        if !internal(value) {
            return Some(value.to_owned());
        }
    }
    let mut rest = svg;
    while let Some(i) = rest.find("url(") {
        rest = &rest[i + 4..];
        let value = &rest[..rest.find(')').unwrap_or(rest.len())];
        let value = value.trim().trim_matches(['"', '\'']);
        if !internal(value) {
            return Some(value.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nrest";
    const SVG: &str = r##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(#g)"/><use href="#a"/></svg>"##;

    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("chart.png"), PNG).unwrap();
        std::fs::write(dir.path().join("diagram.svg"), SVG).unwrap();
        std::fs::create_dir(dir.path().join("img")).unwrap();
        std::fs::write(dir.path().join("img/photo one.JPG"), b"\xFF\xD8\xFFdata").unwrap();
        std::fs::write(dir.path().join("fake.png"), b"GIF89a").unwrap();
        std::fs::write(dir.path().join("pic.gif"), b"GIF89a").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        dir
    }

    #[test]
    fn images_beside_the_markdown_load_with_their_virtual_paths() {
        let dir = folder();
        let png = load(dir.path(), "chart.png").unwrap();
        assert_eq!(png.virtual_path, "/narrative/chart.png");
        assert_eq!(png.bytes, PNG);
        let svg = load(dir.path(), "./diagram.svg").unwrap();
        assert_eq!(svg.virtual_path, "/narrative/diagram.svg");
        let jpg = load(dir.path(), "img/photo%20one.JPG").unwrap();
        assert_eq!(jpg.virtual_path, "/narrative/img/photo one.JPG");
        assert_eq!(jpg.relative, "img/photo one.JPG");
    }

    #[test]
    fn paths_out_of_the_folder_are_refused() {
        let dir = folder();
        for dest in [
            "../chart.png",
            "img/../../chart.png",
            "%2e%2e/chart.png",
            "/etc/passwd",
            "\\\\server\\share\\x.png",
            "https://example.org/x.png",
            "file:///etc/passwd",
            "data:image/png;base64,AAAA",
            "C:\\images\\x.png",
        ] {
            assert_eq!(
                load(dir.path(), dest),
                Err(Reason::ImageOutside {
                    path: dest.to_owned()
                }),
                "{dest}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_out_of_the_folder_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.png"), PNG).unwrap();
        let dir = folder();
        std::os::unix::fs::symlink(outside.path().join("secret.png"), dir.path().join("s.png"))
            .unwrap();
        assert_eq!(
            load(dir.path(), "s.png"),
            Err(Reason::ImageOutside {
                path: "s.png".into()
            })
        );
    }

    #[test]
    fn the_bytes_must_be_what_the_name_says() {
        let dir = folder();
        assert_eq!(
            load(dir.path(), "fake.png"),
            Err(Reason::ImageContent {
                path: "fake.png".into(),
                expected: "PNG"
            })
        );
        assert_eq!(
            load(dir.path(), "pic.gif"),
            Err(Reason::ImageType {
                path: "pic.gif".into()
            })
        );
        assert_eq!(
            load(dir.path(), "notes.txt"),
            Err(Reason::ImageType {
                path: "notes.txt".into()
            })
        );
        assert!(matches!(
            load(dir.path(), "missing.png"),
            Err(Reason::ImageUnreadable { .. })
        ));
    }

    #[test]
    fn an_svg_may_not_refer_to_other_files() {
        let dir = folder();
        for (svg, href) in [
            (r#"<svg><image href="/etc/passwd"/></svg>"#, "/etc/passwd"),
            (r#"<svg><image xlink:href = '../x.png'/></svg>"#, "../x.png"),
            (
                r#"<svg><rect style="fill: url('other.svg#p')"/></svg>"#,
                "other.svg#p",
            ),
        ] {
            std::fs::write(dir.path().join("bad.svg"), svg).unwrap();
            assert_eq!(
                load(dir.path(), "bad.svg"),
                Err(Reason::SvgExternal {
                    path: "bad.svg".into(),
                    href: href.into()
                })
            );
        }
        std::fs::write(dir.path().join("bad.svg"), "not svg at all").unwrap();
        assert!(matches!(
            load(dir.path(), "bad.svg"),
            Err(Reason::ImageContent { .. })
        ));
    }
}
