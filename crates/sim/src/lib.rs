//! strata-sim: placeholder being written now.
