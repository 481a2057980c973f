/**
 * The recommended action read from an AWS Health description (upstream aws_normalizer.go): the
 * "What do I need to do" section decides; without that heading the whole text is read.
 */
import { RecommendedAction } from '@nvsentinel/health-model';

export function actionFromDescription(description: string): keyof typeof RecommendedAction {
  const text = description.toLowerCase();
  const heading = text.search(/what do i need to do/);
  const section = heading >= 0 ? text.slice(heading) : text;
  if (
    (section.includes('reset') && section.includes('component')) ||
    /stop[\s-]*(and|&|\/)[\s-]*start/.test(section) ||
    section.includes('reboot')
  ) {
    return 'RESTART_VM';
  }
  if (section.includes('replace the instance') || section.includes('launch a new')) return 'REPLACE_VM';
  return 'NONE';
}
