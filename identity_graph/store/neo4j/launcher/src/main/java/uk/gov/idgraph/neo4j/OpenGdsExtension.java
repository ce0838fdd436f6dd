package uk.gov.idgraph.neo4j;

import java.util.Optional;

import org.neo4j.configuration.Config;
import org.neo4j.gds.applications.modelcatalog.ModelRepository;
import org.neo4j.gds.applications.operations.FeatureTogglesRepository;
import org.neo4j.gds.core.model.OpenModelCatalog;
import org.neo4j.gds.core.write.NativeExportBuildersProvider;
import org.neo4j.gds.logging.Log;
import org.neo4j.gds.metrics.Metrics;
import org.neo4j.gds.procedures.integration.DefaultExportLocation;
import org.neo4j.gds.procedures.integration.LogAccessor;
import org.neo4j.gds.procedures.integration.OpenGraphDataScienceExtensionBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.logging.internal.LogService;

/**
 * Wires the open-source Graph Data Science library into an embedded DBMS.
 *
 * <p>GDS's procedures inject one component, {@code GraphDataScienceProcedures}. In the GDS plugin
 * jar from neo4j.com an extension in its (unpublished) packaging module registers it; the Maven
 * Central artifacts have everything but that extension, so this class is it: the open edition's
 * defaults (native writes only, no metrics, in-memory model catalog, no model persistence).
 * Registered through {@code META-INF/services/org.neo4j.kernel.extension.ExtensionFactory}.
 */
public final class OpenGdsExtension extends ExtensionFactory<OpenGdsExtension.Dependencies> {

    /** What the DBMS hands the extension. */
    public interface Dependencies {
        Config config();

        GlobalProcedures globalProcedures();

        LogService logService();
    }

    public OpenGdsExtension() {
        super("idgraph.gds.open");
    }

    @Override
    public Lifecycle newInstance(ExtensionContext context, Dependencies deps) {
        Log log = new LogAccessor().getLog(deps.logService(), getClass());
        Config config = deps.config();
        ModelRepository noModelStore = model -> {
            throw new UnsupportedOperationException("storing models needs GDS Enterprise");
        };
        return OpenGraphDataScienceExtensionBuilder.create(
                        log,
                        deps.globalProcedures(),
                        config,
                        (database, configuration) -> new NativeExportBuildersProvider(),
                        new DefaultExportLocation(log, config),
                        new FeatureTogglesRepository(),
                        Metrics.DISABLED,
                        new OpenModelCatalog(),
                        noModelStore,
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty())
                .getLeft()
                .build();
    }
}
