//! The application core.
