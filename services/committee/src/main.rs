fn main() -> std::process::ExitCode {
    qmf_platform::server::main(qmf_committee::commands(), qmf_committee::serve)
}
