//! Argument structs and printing for each subcommand; logic lives in the library.

pub mod sign;
