using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Dashboard;

/// <summary>A gateway for browser tests: the overview is pushed every 200 ms instead of 2 s, so panels update quickly.</summary>
public sealed class DashboardGateway : GatewayFactory
{
    public DashboardGateway()
        : base(null, new Dictionary<string, string?> { ["Hub:OverviewIntervalMilliseconds"] = "200", ["Instance:Name"] = "gw-1" }) // a stable name in the screenshots
    {
    }
}
