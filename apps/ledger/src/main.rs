//! `ledger`: the transactions pipeline of seed 002.

fn main() {}
