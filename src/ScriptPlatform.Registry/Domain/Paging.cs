using System.Globalization;
using System.Text;
using ScriptPlatform.Contracts.Common.V1;

namespace ScriptPlatform.Registry.Domain;

/// <summary>Offset paging behind an opaque token.</summary>
public static class Paging
{
    public const int DefaultSize = 50;
    public const int MaxSize = 500;
    private const int MaxTokenLength = 64;

    public static (int Offset, int Limit) Read(PageRequest? page)
    {
        var limit = page is null || page.PageSize <= 0 ? DefaultSize : Math.Min(page.PageSize, MaxSize);
        if (page is null || string.IsNullOrEmpty(page.PageToken))
        {
            return (0, limit);
        }

        try
        {
            // Issued tokens are a dozen characters; anything much longer is not one of them.
            var text = page.PageToken.Length <= MaxTokenLength ? Encoding.ASCII.GetString(Convert.FromBase64String(page.PageToken)) : "";
            if (text.StartsWith("o:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return (offset, limit);
            }
        }
        catch (FormatException)
        {
        }

        throw RegistryErrors.InvalidArgument("page_token is not a token this registry issued; pass next_page_token from the previous response, or empty for the first page");
    }

    public static PageResponse Write(int offset, int returned, int limit, long total) => new()
    {
        NextPageToken = returned == limit && offset + returned < total ? Convert.ToBase64String(Encoding.ASCII.GetBytes($"o:{offset + returned}")) : "",
        TotalSize = total,
    };
}
