"""The headless customer: a scriptable phone for demos, tests and benchmarks."""

from lens_customer.client import HeadlessCustomer, run_customer
from lens_customer.options import CustomerOptions
from lens_customer.sources import SourceSpec

__all__ = ["CustomerOptions", "HeadlessCustomer", "SourceSpec", "run_customer"]
