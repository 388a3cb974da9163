using System.Diagnostics;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Legacy;

/// <summary>The same flows driven by pyzmq (Debian's python3-zmq over libzmq): an independent implementation of the wire.</summary>
public sealed class PythonClientTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public PythonClientTests(GatewayFactory gateway) => _gateway = gateway;

    [Fact]
    public async Task PyzmqClientRunsEveryLegacyFlowAgainstTheGateway()
    {
        var output = await RunPythonAsync("legacy_flows.py", _gateway.Zmq.ReplyEndpoint, _gateway.Zmq.PublishEndpoint);

        Assert.Equal(
            [
                "list: [SpringBoot] [NodeJs] [React] [Django]",
                "subscribe: isSuccess React is a JavaScript library for building user interfaces",
                "subscribe unknown: Fail Not exist subject - Vue. Try again!",
                "post: isSuccess",
                "publication topic: React",
                "publication ends with: hello from pyzmq",
                "unsubscribe: isSuccess",
                "unsubscribe again: 'py@example.com' is not registered on subject 'React'. Try again!",
                "malformed: Invalid Request. Please try again.",
                "numeric type: Invalid Request. Please try again.",
                "after a peer left: [SpringBoot] [NodeJs] [React] [Django]",
            ],
            output);
    }

    internal static async Task<string[]> RunPythonAsync(string script, params string[] arguments)
    {
        // Debian's interpreter: the one that sees python3-zmq, whatever else is first on PATH.
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepositoryPaths.PythonScripts, script), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(python.ExitCode == 0, $"python exited {python.ExitCode}:\n{await stdout}\n{await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
