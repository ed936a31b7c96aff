//! The runtime: the HTTP action (requests, authentication, retry policies, asynchronous
//! polling, pagination) and, later, the workflow runner.
