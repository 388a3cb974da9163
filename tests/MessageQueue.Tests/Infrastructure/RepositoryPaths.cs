namespace MessageQueue.Tests.Infrastructure;

/// <summary>Where the repository and the built programs are, found from the test assembly's own location.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the programs are run from the same configuration as the tests.</summary>
    public static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string GatewayDll => BuiltProgram("MessageQueue.Gateway", "MessageQueue.Gateway.dll");

    public static string ClientDll => BuiltProgram("MessageQueue.Client", "mq.dll");

    public static string PythonScripts => Path.Combine(AppContext.BaseDirectory, "python");

    private static string BuiltProgram(string project, string dll) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);

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
