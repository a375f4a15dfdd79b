"""Fixed egress for the functions that call WeCom.

WeCom answers API calls from self-built apps created since mid-2022 only from the corp's
trusted IPs (企业可信IP, errcode 60020 otherwise), and Lambda's own egress addresses
change. So the functions that call WeCom run in private subnets of a small VPC whose
outbound traffic leaves through one NAT bound to an Elastic IP kept in the data stack
(it survives a redeploy of this stack, so the address pasted into WeCom stays right):

- ``nat-gateway`` (default): a managed NAT gateway in one AZ;
- ``nat-instance``: a ``t4g.nano`` NAT instance (Amazon Linux 2023), about a tenth of the
  idle cost, one instance to patch and no managed failover.

Gateway endpoints for DynamoDB and S3 keep table and bucket traffic off the NAT (gateway
endpoints cost nothing). The functions' security group allows only HTTPS out.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from infra.config import DeploymentConfig

VPC_CIDR = "10.40.0.0/16"


class Egress(Construct):
    """The VPC, its one NAT on the Elastic IP, the endpoints and the functions' group."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeploymentConfig, allocation_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.nat_instance_provider: ec2.NatInstanceProviderV2 | None = None
        provider: ec2.NatProvider
        if config.egress == "nat-gateway":
            provider = ec2.NatProvider.gateway(eip_allocation_ids=[allocation_id])
        else:
            graviton = config.nat_instance_type.split(".")[0].endswith("g")
            self.nat_instance_provider = ec2.NatProvider.instance_v2(
                instance_type=ec2.InstanceType(config.nat_instance_type),
                machine_image=ec2.MachineImage.latest_amazon_linux2023(
                    cpu_type=ec2.AmazonLinuxCpuType.ARM_64
                    if graviton
                    else ec2.AmazonLinuxCpuType.X86_64
                ),
                default_allowed_traffic=ec2.NatTrafficDirection.OUTBOUND_ONLY,
            )
            provider = self.nat_instance_provider
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            max_azs=2,
            nat_gateways=1,
            nat_gateway_provider=provider,
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="functions", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
            ],
            gateway_endpoints={
                "DynamoDb": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
                ),
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            },
        )
        if self.nat_instance_provider is not None:
            # The instance answers the private subnets only, and leaves through the EIP.
            self.nat_instance_provider.connections.allow_from(
                ec2.Peer.ipv4(self.vpc.vpc_cidr_block), ec2.Port.all_traffic()
            )
            (gateway,) = self.nat_instance_provider.configured_gateways
            ec2.CfnEIPAssociation(
                self,
                "NatInstanceEip",
                allocation_id=allocation_id,
                instance_id=gateway.gateway_id,
            )
        self.security_group = ec2.SecurityGroup(
            self,
            "Functions",
            vpc=self.vpc,
            description="SCRM functions that call WeCom: HTTPS out only",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to WeCom, DynamoDB, S3, Secrets Manager"
        )

    @property
    def subnet_ids(self) -> list[str]:
        return self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
