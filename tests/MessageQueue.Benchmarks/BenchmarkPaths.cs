namespace MessageQueue.Benchmarks;

/// <summary>Where the repository and the built programs are, found from this executable's own location.</summary>
internal static class BenchmarkPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the gateway is run from the same configuration as the benchmark (bin/CONFIG/net10.0).</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string GatewayDll => Path.Combine(Root, "src", "MessageQueue.Gateway", "bin", Configuration, "net10.0", "MessageQueue.Gateway.dll");

    public static string BenchmarkDll => typeof(BenchmarkPaths).Assembly.Location;

    public static string PyZmqScript => Path.Combine(AppContext.BaseDirectory, "pyzmq_server.py");

    public static string PushpinBackendScript => Path.Combine(AppContext.BaseDirectory, "pushpin_backend.py");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MessageQueue.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("MessageQueue.sln not found above " + AppContext.BaseDirectory);
    }
}
