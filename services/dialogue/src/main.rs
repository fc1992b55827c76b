fn main() -> std::process::ExitCode {
    qmf_platform::server::main(qmf_dialogue::commands(), qmf_dialogue::serve)
}
