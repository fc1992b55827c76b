fn main() -> std::process::ExitCode {
    qmf_platform::server::main(qmf_training::commands(), qmf_training::serve)
}
