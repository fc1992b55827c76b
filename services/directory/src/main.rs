fn main() -> std::process::ExitCode {
    qmf_platform::server::main(qmf_directory::commands(), qmf_directory::serve)
}
