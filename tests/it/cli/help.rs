//! The command line's help and usage errors are in Chinese, clap's own words included.

use super::{out, zhibu};

/// What clap writes in English unless told otherwise.
const CLAP_ENGLISH: [&str; 10] = [
    "Usage:",
    "Options:",
    "Commands:",
    "Arguments:",
    "Print help",
    "Print version",
    "[OPTIONS]",
    "[default:",
    "[possible values:",
    "error:",
];

fn chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
}

/// The help of `args`, checked line by line.
fn help(args: &[&str]) -> String {
    let o = zhibu(args, None);
    let text = out(&o);
    assert!(o.status.success(), "{args:?}: {text}");
    for english in CLAP_ENGLISH {
        assert!(!text.contains(english), "{english} in {args:?}:\n{text}");
    }
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        assert!(line.chars().any(chinese), "{args:?}: not Chinese: {line}");
    }
    text
}

/// Every command's path below `cmd`, `cmd`'s own included.
fn paths(cmd: &clap::Command, above: &[String], all: &mut Vec<Vec<String>>) {
    all.push(above.to_vec());
    for sub in cmd.get_subcommands() {
        let mut path = above.to_vec();
        path.push(sub.get_name().to_owned());
        paths(sub, &path, all);
    }
}

#[test]
fn help_and_usage_errors_are_chinese() {
    let top = help(&["--help"]);
    let first = top.lines().next().unwrap();
    assert!(first.starts_with("支部：基层党组织工作平台"), "{first}");
    assert!(!first.contains("党费"), "no 党费 area exists yet: {first}");
    for wanted in [
        "用法：zhibu [选项] <命令>",
        "命令：",
        "选项：",
        "显示帮助",
        "显示版本",
    ] {
        assert!(top.contains(wanted), "{wanted} in --help:\n{top}");
    }
    let serve = help(&["serve", "--help"]);
    for wanted in [
        "用法：zhibu serve [选项]",
        "选项：",
        "--listen <地址>",
        "显示帮助",
    ] {
        assert!(serve.contains(wanted), "{wanted} in serve --help:\n{serve}");
    }
    let admin = help(&["admin", "--help"]);
    for wanted in [
        "用法：zhibu admin [选项] <命令>",
        "命令：",
        "选项：",
        "显示帮助",
    ] {
        assert!(admin.contains(wanted), "{wanted} in admin --help:\n{admin}");
    }
    let mut all = Vec::new();
    paths(&zhibu::cli::command(), &[], &mut all);
    assert!(all.len() > 15, "every command is walked: {all:?}");
    for path in all {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            help(&args);
        }
    }
    let e = zhibu(&["serve", "--lisen", "127.0.0.1:8080"], None);
    assert!(!e.status.success());
    let e = out(&e);
    for wanted in [
        "错误：无法识别的参数“--lisen”",
        "“--listen”",
        "用法：zhibu serve [选项]",
    ] {
        assert!(e.contains(wanted), "{wanted} in:\n{e}");
    }
    for english in CLAP_ENGLISH {
        assert!(!e.contains(english), "{english} in:\n{e}");
    }
}
