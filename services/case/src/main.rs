fn main() -> std::process::ExitCode {
    qmf_platform::server::main(qmf_case::commands(), qmf_case::serve)
}
