using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Legacy;

namespace MessageQueue.Tests.Api;

/// <summary>A client written in Python (standard library HTTP, pyzmq) reads the REST door and its event stream.</summary>
public sealed class PythonRestClientTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task PythonClientFollowsTheEventStreamAndResumesWithLastEventId()
    {
        var output = await PythonClientTests.RunPythonAsync("rest_flows.py", gateway.HttpAddress.ToString(), gateway.Zmq.ReplyEndpoint);

        Assert.Equal(
            [
                "create: 201 From Python.",
                "legacy post: isSuccess",
                "event: update 1 first zmq",
                "legacy post: isSuccess",
                "rest post: 201",
                "resumed: 2 missed zmq",
                "resumed: 3 also missed rest",
                "content: 200 From Python. | first | missed | also missed",
                "mistyped: 400 The request body is not valid JSON for this operation. ['text']",
            ],
            output);
    }
}
