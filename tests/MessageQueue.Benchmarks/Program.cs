using MessageQueue.Benchmarks;

// The same executable is the load generator and, started by it as a child process, the minimal NetMQ server
// or (for the REST scenarios) the minimal HTTP server, or (for the hub group) the minimal SignalR server.
if (args is [MinimalServer.Command, MinimalHttpServer.Mode])
    return MinimalHttpServer.Run();
if (args is [MinimalServer.Command, MinimalHubServer.Mode])
    return MinimalHubServer.Run();
if (args is [MinimalServer.Command, ..])
    return MinimalServer.Run();

if (!BenchmarkOptions.TryParse(args, out var options, out var problem))
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}
if (options.ShowHelp)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

// The runtime reads this variable once, when the first socket is created: setting it here, before any socket
// exists, switches this process too, not only the servers it starts.
if (options.InlineCompletions)
    Environment.SetEnvironmentVariable(InlineCompletions.Variable, "1");

return BenchmarkRun.Run(options);
