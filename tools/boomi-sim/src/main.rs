//! `boomi-sim`: runs the Boomi Platform API simulator until Ctrl-C.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use boomi_sim::{Options, Seed, Sim, demo};
use clap::{Parser, ValueEnum};

/// An in-memory, stateful stand-in of the Boomi Platform REST API for CI/CD deployment
/// tests. Prints the base URL and the credentials to export (as NAME=value lines), then
/// serves until Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "boomi-sim", version)]
struct Args {
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// The initial state: `demo` (a process, TEST and PROD with two runtimes each, their
    /// extensions) or `empty`.
    #[arg(long, value_enum, default_value_t = SeedArg::Demo)]
    seed: SeedArg,
    /// Requests allowed per one-second window; past it Boomi's 503 rate-limit answer.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Results per query page.
    #[arg(long, value_name = "N", default_value_t = 100)]
    page_size: usize,
    /// The account ID in the URL path.
    #[arg(long, value_name = "ID", default_value = "demo-account")]
    account: String,
    /// The Basic-auth user name.
    #[arg(long, value_name = "U", default_value = "BOOMI_TOKEN.ci@example.com")]
    username: String,
    /// The Basic-auth password (API token).
    #[arg(long, value_name = "T", default_value = "demo-token")]
    token: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SeedArg {
    Demo,
    Empty,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let seed = match args.seed {
        SeedArg::Demo => Seed::Demo,
        SeedArg::Empty => Seed::Empty,
    };
    let options = Options {
        account_id: args.account.clone(),
        username: args.username.clone(),
        token: args.token.clone(),
        seed,
        rate_limit: args.rate_limit,
        page_size: args.page_size,
    };
    let sim = Sim::bind(SocketAddr::new(args.host, args.port), options).await?;
    println!("BOOMI_BASE_URL={}", sim.url());
    println!("BOOMI_ACCOUNT_ID={}", args.account);
    println!("BOOMI_USERNAME={}", args.username);
    println!("BOOMI_API_TOKEN={}", args.token);
    if seed == Seed::Demo {
        println!("BOOMI_COMPONENT_ID={}", demo::COMPONENT_ID);
        println!("BOOMI_TEST_ENV_ID={}", demo::TEST_ENV_ID);
        println!("BOOMI_PROD_ENV_ID={}", demo::PROD_ENV_ID);
    }
    eprintln!("boomi-sim listening on {}; Ctrl-C stops it", sim.addr());
    tokio::signal::ctrl_c().await?;
    drop(sim);
    Ok(())
}
