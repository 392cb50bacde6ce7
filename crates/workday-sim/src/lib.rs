//! The simulated Workday tenant.
