namespace ScriptPlatform.AppHost;

internal static class RepositoryLayout
{
    /// <summary>The folder holding ScriptPlatform.sln, searched upwards from the AppHost's binaries.</summary>
    public static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScriptPlatform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (ScriptPlatform.sln) above " + AppContext.BaseDirectory);
    }
}
