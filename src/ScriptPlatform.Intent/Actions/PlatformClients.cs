using Grpc.Core;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Domain;

namespace ScriptPlatform.Intent.Actions;

/// <summary>
/// The services Intent acts through (grpc-dotnet clients from Contracts). Generation is optional:
/// without it, generate and update answer FAILED_PRECONDITION and everything else works.
/// </summary>
public sealed class PlatformClients(
    RegistryService.RegistryServiceClient registry, ExecutorService.ExecutorServiceClient executor, GenerationService.GenerationServiceClient? generation = null)
{
    public RegistryService.RegistryServiceClient Registry => registry;

    public ExecutorService.ExecutorServiceClient Executor => executor;

    public GenerationService.GenerationServiceClient Generation => generation
        ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            "Generating and updating code needs the Generation service, and none is configured here (services:generation:http:0). Other requests work without it."));

    /// <summary>
    /// Loads a script's version for a card, or null when the Registry does not know the name (the
    /// caller then offers "did you mean"); any other failure is the caller's to see.
    /// </summary>
    public async Task<LoadResponse?> TryLoadAsync(string name, string? version, CallerIdentity caller)
    {
        try
        {
            return await registry.LoadAsync(new LoadRequest { Script = new() { Name = name, VersionSelector = version ?? "" } }, caller.Downstream());
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // "No such version" is the caller's to see (it lists what exists); only an unknown name is null.
            if (await ExistsAsync(name, caller))
            {
                throw;
            }

            return null;
        }
    }

    /// <summary>True when the Registry knows the script.</summary>
    public async Task<bool> ExistsAsync(string name, CallerIdentity caller)
    {
        try
        {
            await registry.GetScriptAsync(new GetScriptRequest { Name = name }, caller.Downstream());
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// "Did you mean" candidates for an unknown name: the Registry's best hits for any of the name's
    /// words ("math_adition_009" asks for "math or adition"), numbers left out since they tell scripts apart.
    /// </summary>
    public async Task<IReadOnlyList<string>> SuggestAsync(string name, int limit, CallerIdentity caller)
    {
        var words = name.Split('_', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.Any(char.IsDigit)).ToList();
        if (words.Count == 0)
        {
            return [];
        }

        try
        {
            var hits = await registry.SearchAsync(new SearchRequest { Query = string.Join(" or ", words), Limit = limit + 1 }, caller.Downstream());
            return [.. hits.Hits.Select(h => h.Script.Name).Where(n => n != name).Take(limit)];
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            return [];
        }
    }
}
