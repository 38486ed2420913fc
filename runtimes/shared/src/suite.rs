//! The test cases every runtime runs.
