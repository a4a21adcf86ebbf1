// Microsoft.Azure.Functions.Worker (2.x) FunctionsApplication builder and the Http.AspNetCore (2.x) extension.
using System;
using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Azure.Functions.Worker
{
    public interface IFunctionsWorkerApplicationBuilder
    {
        IServiceCollection Services { get; }
    }
}

namespace Microsoft.Azure.Functions.Worker.Builder
{
    public static class FunctionsApplication
    {
        public static FunctionsApplicationBuilder CreateBuilder(string[] args) => throw null!;
    }

    public class FunctionsApplicationBuilder : IHostApplicationBuilder, IFunctionsWorkerApplicationBuilder
    {
        internal FunctionsApplicationBuilder()
        {
        }

        internal IHostBuilder HostBuilder => throw null!;

        public ConfigurationManager Configuration => throw null!;

        public IHostEnvironment Environment => throw null!;

        public ILoggingBuilder Logging => throw null!;

        public IMetricsBuilder Metrics => throw null!;

        public IServiceCollection Services => throw null!;

        IConfigurationManager IHostApplicationBuilder.Configuration => throw null!;

        IDictionary<object, object> IHostApplicationBuilder.Properties => throw null!;

        public IHost Build() => throw null!;

        public void ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory, Action<TContainerBuilder>? configure = null)
            where TContainerBuilder : notnull => throw null!;
    }

    public static class FunctionsApplicationBuilderAspNetCoreExtensions
    {
        public static FunctionsApplicationBuilder ConfigureFunctionsWebApplication(this FunctionsApplicationBuilder builder) => throw null!;
    }
}
