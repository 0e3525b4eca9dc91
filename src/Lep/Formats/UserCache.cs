namespace Lep.Formats;

/// <summary>lep's per-user cache: <c>$XDG_CACHE_HOME/lep</c>, else <c>~/.cache/lep</c>.</summary>
internal static class UserCache
{
    public static string Directory(string part)
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "lep", part);
    }
}
