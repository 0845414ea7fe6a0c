//! Chinese for the words clap itself prints. The derive attributes give each command and
//! argument its Chinese text; clap still writes its own headings, `[OPTIONS]`, the help and
//! version flags and its error messages in English, so [`command`] builds the tree, replaces
//! those, and [`parse`] reports usage errors through [`Zh`].

use std::fmt::Write as _;

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, Error, ErrorFormatter, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use super::Cli;

/// Global arguments are shown after each command's own; these come last, in this order.
const LAST: usize = 1000;

/// The whole command tree with Chinese wording, built (global arguments propagated, names of
/// nested commands known) so that every command's usage line can be written out.
#[must_use]
pub fn command() -> Command {
    let mut cmd = Cli::command()
        // `help` as a command is not offered: `-h` works at every level.
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        // Possible and default values are worded in each argument's own help instead.
        .hide_possible_values(true)
        .mut_arg("config", |a| a.display_order(LAST))
        .mut_arg("database", |a| a.display_order(LAST + 1))
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .global(true)
                .display_order(LAST + 2)
                .help("显示帮助"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .global(true)
                .display_order(LAST + 3)
                .help("显示版本"),
        );
    cmd.build();
    localise(cmd)
}

/// Parses the process's arguments; on `--help`, `--version` or a usage error prints and exits
/// as clap does, in Chinese.
#[must_use]
pub fn parse() -> Cli {
    let matches = command().try_get_matches().unwrap_or_else(|e| exit(e));
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit(e.format(&mut command())))
}

/// Prints the error (in Chinese where [`Zh`] has the words for it) and exits.
fn exit(e: clap::Error) -> ! {
    if words(&e).is_some() {
        e.apply::<Zh>().exit()
    }
    e.exit()
}

/// Headings and usage line of one command, then of the commands below it.
fn localise(cmd: Command) -> Command {
    let cmd = cmd
        .subcommand_value_name("命令")
        .subcommand_help_heading("命令");
    let usage = usage_line(&cmd);
    let template = template(&cmd);
    cmd.override_usage(usage)
        .help_template(template)
        .mut_subcommands(localise)
}

/// The usage line clap would write, with its one English word replaced.
fn usage_line(cmd: &Command) -> String {
    let rendered = cmd.clone().render_usage().to_string();
    let line = rendered.strip_prefix("Usage: ").unwrap_or(&rendered);
    line.replace("[OPTIONS]", "[选项]")
}

/// The help layout. Each section is written out only when the command has something for it,
/// as clap's own `{all-args}` would, but with Chinese headings.
fn template(cmd: &Command) -> String {
    let head = cmd.get_styles().get_header();
    let usage = cmd.get_styles().get_usage();
    let mut t = format!("{{about-with-newline}}\n{usage}用法：{usage:#}{{usage}}");
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        let _ = write!(t, "\n\n{head}命令：{head:#}\n{{subcommands}}");
    }
    if cmd.get_positionals().any(|a| !a.is_hide_set()) {
        let _ = write!(t, "\n\n{head}参数：{head:#}\n{{positionals}}");
    }
    let _ = write!(t, "\n\n{head}选项：{head:#}\n{{options}}");
    t
}

/// Formats the usage errors that [`words`] can say in Chinese; [`exit`] leaves the others to
/// clap's own formatter, in English.
struct Zh;

impl ErrorFormatter for Zh {
    fn format_error(error: &Error<Self>) -> StyledStr {
        let styles = clap::builder::Styles::default();
        let red = styles.get_error();
        let lit = styles.get_literal();
        let usage = styles.get_usage();
        let mut s = format!("{red}错误：{red:#}{}", words(error).unwrap_or_default());
        if let Some(ContextValue::StyledStr(u)) = error.get(ContextKind::Usage) {
            let u = u.to_string();
            let u = u.strip_prefix("Usage: ").unwrap_or(&u);
            let _ = write!(s, "\n\n{usage}用法：{usage:#}{u}");
        }
        let _ = writeln!(s, "\n\n加上 {lit}--help{lit:#} 查看完整说明。");
        s.into()
    }
}

/// The message of a usage error in Chinese, or `None` for one that only clap words.
fn words<F: ErrorFormatter>(e: &Error<F>) -> Option<String> {
    let text = |k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let list = |k, sep| match e.get(k) {
        Some(ContextValue::Strings(v)) if !v.is_empty() => Some(v.join(sep)),
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    // Clap's free-form advice ("to pass it as a value, use -- …") has no Chinese here; leave
    // the whole message to clap rather than drop the advice.
    if e.get(ContextKind::Suggested).is_some_and(|s| match s {
        ContextValue::StyledStrs(v) => !v.is_empty(),
        _ => true,
    }) {
        return None;
    }
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let mut m = match e.kind() {
        ErrorKind::UnknownArgument => format!("无法识别的参数“{}”", arg?),
        ErrorKind::InvalidSubcommand => {
            format!("无法识别的命令“{}”", text(ContextKind::InvalidSubcommand)?)
        }
        ErrorKind::InvalidValue if value == Some("") => format!("参数“{}”需要一个取值", arg?),
        ErrorKind::InvalidValue => {
            let mut m = format!("“{}”不是参数“{}”的有效取值", value?, arg?);
            if let Some(valid) = list(ContextKind::ValidValue, "、") {
                let _ = write!(m, "\n  可选值：{valid}");
            }
            m
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)?.downcast_ref::<std::num::ParseIntError>()?;
            let why = match why.kind() {
                std::num::IntErrorKind::Empty => "不能为空",
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                    "数值超出范围"
                }
                _ => "应为整数",
            };
            format!("参数“{}”的取值“{}”无效：{why}", arg?, value?)
        }
        ErrorKind::MissingRequiredArgument => match e.get(ContextKind::InvalidArg)? {
            ContextValue::Strings(v) => format!("缺少必需的参数：\n  {}", v.join("\n  ")),
            _ => return None,
        },
        ErrorKind::MissingSubcommand => {
            let mut m = format!(
                "“{}”后面需要一个命令",
                text(ContextKind::InvalidSubcommand)?
            );
            if let Some(valid) = list(ContextKind::ValidSubcommand, "、") {
                let _ = write!(m, "\n  可用的命令：{valid}");
            }
            m
        }
        ErrorKind::ArgumentConflict
            if arg.is_some() && e.get(ContextKind::PriorArg) == e.get(ContextKind::InvalidArg) =>
        {
            format!("参数“{}”只能使用一次", arg?)
        }
        ErrorKind::ArgumentConflict => match e.get(ContextKind::PriorArg)? {
            ContextValue::String(p) => format!("参数“{}”不能与“{p}”同时使用", arg?),
            ContextValue::Strings(v) => format!("参数“{}”不能与“{}”同时使用", arg?, v.join("”、“")),
            _ => return None,
        },
        ErrorKind::TooManyValues => format!("参数“{}”不接受更多取值，多出了“{}”", arg?, value?),
        ErrorKind::InvalidUtf8 => "参数中含有无效的 UTF-8 字符".to_owned(),
        _ => return None,
    };
    let similar = [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ];
    let similar = similar.into_iter().filter_map(|k| list(k, "”或“"));
    for (i, similar) in similar.enumerate() {
        let gap = if i == 0 { "\n\n" } else { "\n" };
        let _ = write!(m, "{gap}  提示：是否想用“{similar}”？");
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_are_chinese() {
        let cases: [(&[&str], &[&str]); 5] = [
            (
                &["zhibu", "serve", "--lisen", "x"],
                &[
                    "无法识别的参数“--lisen”",
                    "是否想用“--listen”",
                    "用法：zhibu serve [选项]",
                ],
            ),
            (
                &["zhibu", "admin", "create-user", "--username", "a"],
                &["缺少必需的参数", "--role <角色>"],
            ),
            (&["zhibu", "migrate", "stat"], &["可选值：status"]),
            (
                &["zhibu", "export", "members", "f.xlsx", "--org", "x"],
                &["“x”无效：应为整数"],
            ),
            (&["zhibu", "servee"], &["无法识别的命令“servee”", "“serve”"]),
        ];
        for (args, wanted) in cases {
            let e = command().try_get_matches_from(args).unwrap_err();
            assert!(words(&e).is_some(), "{e}");
            let e = e.apply::<Zh>().render().to_string();
            for w in wanted {
                assert!(e.contains(w), "{w} in {e}");
            }
            assert!(
                e.starts_with("错误：") && e.contains("--help 查看完整说明"),
                "{e}"
            );
            for english in ["error:", "Usage:", "tip:", "For more information"] {
                assert!(!e.contains(english), "{english} in {e}");
            }
        }
    }
}
