"""The network team's view of topic flows: defined in :mod:`rebub_shared.flows` (the desk's
network page reads it too); kept here under its old name for the tools."""

from rebub_shared.flows import COORDINATOR_LOADING as COORDINATOR_LOADING
from rebub_shared.flows import FlowSnapshot as FlowSnapshot
from rebub_shared.flows import GroupLag as GroupLag
from rebub_shared.flows import TopicFlow as TopicFlow
from rebub_shared.flows import _while_loading as _while_loading
from rebub_shared.flows import sample_flows as sample_flows
from rebub_shared.flows import sample_with_rates as sample_with_rates
from rebub_shared.flows import zone_of as zone_of
