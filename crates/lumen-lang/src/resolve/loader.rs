//! Reading source files: the [`Loader`] trait with [`FsLoader`] and [`MemLoader`], loading and
//! parsing a file once per check, and finding the file an `import` names (`name.lm`, or
//! `name.lm.md` only where `name.lm` does not exist; E0207).

use super::Checker;
use crate::ast;
use crate::diag::{Code, Diagnostic};
use crate::parser::parse;
use crate::source::{FileId, MAX_SOURCE_BYTES, SourceFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Reads source files (the filesystem, or a map in tests).
pub trait Loader {
    /// The text of the file at `path`, or an error if it cannot be read.
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// Reads files from disk: regular files only, opened without blocking (a FIFO or device named by
/// an import is an error, not a hang; [`lumen_crypto::fs`]), refusing files larger than
/// [`MAX_SOURCE_BYTES`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let buf = lumen_crypto::fs::read_regular_file(path, MAX_SOURCE_BYTES as u64)?;
        String::from_utf8(buf)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
    }
}

/// Files held in memory, by path (for tests and tools).
#[derive(Debug, Clone, Default)]
pub struct MemLoader {
    /// The files.
    pub files: HashMap<PathBuf, String>,
}

impl Loader for MemLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

impl Checker<'_> {
    pub(super) fn load(&mut self, path: &Path) -> std::io::Result<FileId> {
        if let Some(id) = self.sources.find(path) {
            return Ok(id);
        }
        let text = self.loader.read(path)?;
        let id = self.sources.add(SourceFile::new(path.to_path_buf(), text));
        let (module, diags) = match self.sources.get(id) {
            // A refused `.lm.md` file is reported, not parsed: its program is not known.
            Some(f) if !f.markdown_errors.is_empty() => (
                ast::Module::default(),
                f.markdown_errors
                    .iter()
                    .map(|e| Diagnostic::from_markdown(id, e))
                    .collect(),
            ),
            Some(f) => parse(id, &f.code),
            None => (ast::Module::default(), Vec::new()),
        };
        self.diags.extend(diags);
        self.parsed.insert(id, std::sync::Arc::new(module));
        Ok(id)
    }

    /// Loads the module `plain` (`name.lm`) or, only if that does not exist, `markdown`
    /// (`name.lm.md`). Reports E0207 when neither exists, when the one that exists cannot be read
    /// (a directory, a FIFO, too large, not UTF-8: checking the other file instead would check
    /// something else than a loader that prefers `name.lm` runs), and when both exist (no reader
    /// can tell which one is the module).
    pub(super) fn load_module(
        &mut self,
        file: FileId,
        imp: &ast::Import,
        plain: &Path,
        markdown: &Path,
    ) -> Option<FileId> {
        use std::io::ErrorKind::NotFound;
        let name = &imp.module.name;
        let plain_found = match self.load(plain) {
            Ok(id) => Some(id),
            Err(e) if e.kind() == NotFound => None,
            Err(e) => {
                self.diags
                    .push(unreadable_module(file, imp, plain, &e.to_string()));
                return None;
            }
        };
        if let Some(id) = plain_found {
            // Both spellings present: refuse whatever state the other one is in.
            return match self.loader.read(markdown) {
                Err(e) if e.kind() == NotFound => Some(id),
                _ => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::ModuleNotFound,
                            format!("module `{name}` is ambiguous"),
                            file,
                            imp.module.span,
                            "two files are this module",
                        )
                        .with_note(format!(
                            "both {} and {} exist",
                            plain.display(),
                            markdown.display()
                        ))
                        .with_help(format!(
                            "remove or rename one of `{name}.lm` and `{name}.lm.md`"
                        )),
                    );
                    None
                }
            };
        }
        match self.load(markdown) {
            Ok(id) => Some(id),
            Err(e) if e.kind() == NotFound => {
                self.diags.push(
                    Diagnostic::new(
                        Code::ModuleNotFound,
                        format!("cannot find module `{name}`"),
                        file,
                        imp.module.span,
                        "not found",
                    )
                    .with_note(format!(
                        "looked for {} and {}",
                        plain.display(),
                        markdown.display()
                    ))
                    .with_help(format!(
                        "create `{name}.lm` next to this file, or fix the name"
                    )),
                );
                None
            }
            Err(e) => {
                self.diags
                    .push(unreadable_module(file, imp, markdown, &e.to_string()));
                None
            }
        }
    }
}

/// E0207 for a module file that exists but cannot be read.
fn unreadable_module(file: FileId, imp: &ast::Import, path: &Path, cause: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ModuleNotFound,
        format!("cannot read module `{}`", imp.module.name),
        file,
        imp.module.span,
        "cannot be read",
    )
    .with_note(format!("{} cannot be read: {cause}", path.display()))
    .with_help("make it a readable UTF-8 file of at most 16 MiB")
}
