//! pyo3 glue for `bulwark.ipnet`: core's `IpSet`, the allow/deny rule and the client address
//! behind trusted proxies.

use crate::IntoPy;
use bulwark::ipnet::{self, IpSet};
use pyo3::prelude::*;

/// IPv4 and IPv6 networks, looked up in time bounded by the address length.
#[pyclass(frozen, module = "bulwark.ipnet", name = "IPSet")]
pub(crate) struct PyIpSet {
    inner: IpSet,
}

#[pymethods]
impl PyIpSet {
    #[new]
    #[pyo3(signature = (networks=""))]
    fn new(py: Python<'_>, networks: &str) -> PyResult<Self> {
        Ok(Self {
            inner: IpSet::parse(networks).py(py)?,
        })
    }

    /// Whether the address (text, with or without a port) is in one of the networks.
    fn contains(&self, py: Python<'_>, address: &str) -> PyResult<bool> {
        Ok(self.inner.contains(ipnet::parse_addr(address).py(py)?))
    }

    fn __contains__(&self, py: Python<'_>, address: &str) -> PyResult<bool> {
        self.contains(py, address)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// Core's allow/deny rule for one address.
#[pyfunction]
#[pyo3(signature = (address, allow=None, deny=None))]
fn ip_permitted(
    py: Python<'_>,
    address: &str,
    allow: Option<PyRef<'_, PyIpSet>>,
    deny: Option<PyRef<'_, PyIpSet>>,
) -> PyResult<bool> {
    let address = ipnet::parse_addr(address).py(py)?;
    Ok(ipnet::permitted(
        allow.as_deref().map(|s| &s.inner),
        deny.as_deref().map(|s| &s.inner),
        address,
    ))
}

/// The client's address behind trusted proxies (networks or a hop count), as text.
#[pyfunction]
#[pyo3(signature = (peer, header_value, header, trusted=None, hops=0))]
fn client_address(
    py: Python<'_>,
    peer: &str,
    header_value: Option<&str>,
    header: &str,
    trusted: Option<PyRef<'_, PyIpSet>>,
    hops: usize,
) -> PyResult<String> {
    let peer = ipnet::parse_addr(peer).py(py)?;
    let client = ipnet::client_address_via(
        peer,
        header_value,
        header,
        trusted.as_deref().map(|s| &s.inner),
        hops,
    )
    .py(py)?;
    Ok(client.to_string())
}

/// Registers this module's class and functions on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyIpSet>()?;
    m.add_function(wrap_pyfunction!(ip_permitted, m)?)?;
    m.add_function(wrap_pyfunction!(client_address, m)?)?;
    Ok(())
}
